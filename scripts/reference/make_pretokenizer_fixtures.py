#!/usr/bin/env python3
"""Writes tests/data/engine/pretokenizer_splits.json: how llama.cpp's pre-tokenizer regex cascades split
seeded random strings, computed with HF `tokenizers` (Split(Regex, "isolated") per stage, in order). Covers
the pre-tokenizers no fixture model uses (gpt2, llama-bpe, default) as well as smollm and qwen2. Pieces
are text, before byte-level encoding. Dev tooling only.

Usage: /work/cache/refenv/bin/python scripts/reference/make_pretokenizer_fixtures.py"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import OUT, versions, write_json  # noqa: E402
from make_tokenizer_random import POOL  # noqa: E402

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"""
LLAMA3 = (r"""(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"""
          r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
# Stage lists as in llama.cpp's llm_tokenizer_bpe (llama-vocab.cpp).
CASCADES = {
    "gpt2": [GPT2],
    "smollm": [r"\p{N}", GPT2],
    "llama-bpe": [LLAMA3],
    "qwen2": [QWEN2],
    "default": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
}


def split(text, stages):
    from tokenizers import Regex, pre_tokenizers
    seq = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r), behavior="isolated") for r in stages])
    return [piece for piece, _ in seq.pre_tokenize_str(text)]


def main():
    rng = random.Random(99)
    texts = ["Hello world", "  leading and trailing  ", "a\n\n\nb", "x \n y", "I'm FINE, you'RE 12345678!",
             "tabs\t\tand\r\nCRLF", "...!!!$$$+++", "naïve café 中文 😀👍🏽", "1 22 333 4444 55555"]
    for _ in range(150):
        texts.append("".join(rng.choice(POOL) for _ in range(rng.randint(0, 30))))
    cases = {name: [{"text": t, "pieces": split(t, stages)} for t in texts] for name, stages in CASCADES.items()}
    write_json(os.path.join(OUT, "pretokenizer_splits.json"),
               {"versions": versions(), "truth": "HF tokenizers Split(Regex, isolated) per llama.cpp stage",
                "cases": cases})


if __name__ == "__main__":
    main()
