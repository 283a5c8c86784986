#!/usr/bin/env python3
"""Writes tests/data/engine/tokenizer_random_<model>.json: llama.cpp token ids for 400 seeded random
strings per model, drawn from a pool that stresses the pre-tokenizers (letters of several scripts,
digits, Unicode spaces, CR/LF runs, contractions, combining marks, emoji, special-token texts, a literal
U+2581). Complements make_tokenizer_fixtures.py's hand-picked cases. Dev tooling only.

Usage: /work/cache/refenv/bin/python scripts/reference/make_tokenizer_random.py [model ...]"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import MODEL_FILES, OUT, quiet_llama, versions, write_json  # noqa: E402

POOL = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") * 3 + list("0123456789") * 3 +
        list(" " * 12) + list("\n\n\t\r") + list(".,;:!?'\"()[]{}<>-_=+*/\\|~^$#@%&`") +
        ["é", "ü", "ñ", "ß", "ø", "Ж", "я", "α", "Ω", "中", "文", "日本", "한", "ا", "ل", "ع", "ह", "ि", "७",
         "٣", "Ⅻ", "½", "\u0301", "\u00a0", "\u3000", "\u2003", "\u2028", "😀", "👍🏽", "🇫🇷", "€", "™",
         "\u2581", "'s", "'LL", "'Re", "'ve", "<0x41>", "\ufffd", "\x00", "\x7f"])
SPECIAL = {"smollm2": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
           "gemma3": ["<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "\n\n", "<unused3>"],
           "tiny-qwen2": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
           "tiny-qwen3": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]}


def random_text(rng, specials):
    parts = []
    for _ in range(rng.randint(0, 24)):
        r = rng.random()
        if r < 0.05:
            parts.append(rng.choice(specials))
        elif r < 0.15:
            parts.append(rng.choice(["the", "Hello", "world", "tokenizer", "123456", "  ", "\n\n\n", " \n "]))
        else:
            parts.append(rng.choice(POOL))
    return "".join(parts)


def main(argv):
    from llama_cpp import Llama
    quiet_llama()
    names = argv or [n for n, p in MODEL_FILES.items() if os.path.exists(p)]
    for name in names:
        rng = random.Random(1234)
        llm = Llama(MODEL_FILES[name], vocab_only=True, verbose=False)
        cases = []
        for _ in range(400):
            text = random_text(rng, SPECIAL.get(name, []))
            parse_special = rng.random() < 0.5
            ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=parse_special)
            cases.append({"text": text, "parse_special": parse_special, "ids": ids})
        write_json(os.path.join(OUT, f"tokenizer_random_{name}.json"),
                   {"model": name, "truth": "llama.cpp llama_tokenize(text, add_special=false, parse_special)",
                    "versions": versions(), "cases": cases})


if __name__ == "__main__":
    main(sys.argv[1:])
