"""Writes tests/data/engine/tokenizer_<model>.json: llama.cpp token ids (the truth) for tricky strings,
plus an independent HF `tokenizers` reference (hf_ids) where one can be built from the GGUF alone.

Usage: make_tokenizer_fixtures.py [model ...]   (default: all models whose GGUF exists)
"""
import sys

import llama_cpp
from gguf import GGUFReader

import common

LONG_PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. In 1905, Albert Einstein published four papers that "
    "changed physics; one of them, \"On the Electrodynamics of Moving Bodies\", introduced special "
    "relativity. Today, GPS satellites correct for both special and general relativistic effects: without "
    "those corrections, position errors would grow by roughly 10 km per day! Isn't that remarkable? "
    "Researchers at CERN (Conseil européen pour la recherche nucléaire) still test these predictions "
    "with ever-greater precision, e.g. measuring time dilation to 1 part in 10^18.")

CHATML = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n"
GEMMA_TURN = "<start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\n"

# (text, add_bos, parse_special); each string targets a pre-tokenizer or BPE/SPM edge case.
CASES = [
    ("", False, False),
    ("", True, False),
    ("Hello world", False, False),
    ("Hello world", True, False),
    (" Hello world", False, False),
    ("Hello world ", False, False),
    ("   leading and trailing   ", False, False),
    (" ", False, False),
    ("    ", False, False),
    ("A", False, False),
    ("Café, naïve façade, résumé — déjà vu.", False, False),
    ("e\u0301 vs \u00e9: combining acute vs precomposed", False, False),
    ("Z\u0351\u0362a\u0336l\u0335g\u0334o t\u0308e\u0323xt", False, False),
    ("Ünïcödé ÜPPER ÇASE ßtraße", False, False),
    ("日本語のテキストと中文文本。", False, False),
    ("한국어 텍스트입니다", False, False),
    ("مرحبا بالعالم", False, False),
    ("नमस्ते दुनिया", False, False),
    ("Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️", False, False),
    ("👩🏿‍💻👋🏻", False, False),
    ("tabs\tand\t\ttabs\t", False, False),
    ("lines\n\nand\n\n\nnewlines\r\nend", False, False),
    ("\n\n\n", False, False),
    ("multiple     spaces     inside  \n  ", False, False),
    ("    four spaces then text", False, False),
    ("1234567890", False, False),
    ("pi is 3.14159 and e is 2.71828; 12345678901234567890", False, False),
    ("Prices: $1,299.99 or €1.000,50; 100% sure; 2024-01-15T12:34:56Z", False, False),
    ("int main() {\n    printf(\"%d\\n\", 42);\n    return 0;\n}\n", False, False),
    ("def f(x):\n\treturn x**2 if x > 0 else -x  # comment", False, False),
    ("<div class=\"a\">&amp; &lt;tag&gt;</div>", False, False),
    ("URL: https://example.com/path?q=1&r=two#frag", False, False),
    ("It's, we'll, don't, they're, I've, I'm, he'd", False, False),
    ("IT'S WE'LL DON'T THEY'RE I'VE I'M HE'D", False, False),
    ("the cat's toy and the CAT'S TOY", False, False),
    ("Mixed: naïve日本🙂123abc", False, False),
    ("\u00a0non-breaking\u00a0space and \u200bzero\u200bwidth", False, False),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False, False),
    (CHATML, False, True),
    (CHATML, False, False),
    (GEMMA_TURN, True, True),
    (GEMMA_TURN, False, False),
    ("<|endoftext|>", False, True),
    ("<|endoftext|>", False, False),
    ("<bos>text<eos>", False, True),
    (LONG_PARAGRAPH, True, False),
]

# llama.cpp pre-tokenizer regexes (llama-vocab.cpp) restated for HF `tokenizers`.
GPT2_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2_REGEX = (r"""(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"""
               r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")


def gguf_vocab(path):
    r = GGUFReader(path)
    f = r.fields
    strs = lambda k: [bytes(f[k].parts[i]).decode("utf-8") for i in f[k].data]
    tokens = strs("tokenizer.ggml.tokens")
    types = [int(f["tokenizer.ggml.token_type"].parts[i][0]) for i in f["tokenizer.ggml.token_type"].data]
    merges = strs("tokenizer.ggml.merges") if "tokenizer.ggml.merges" in f else None
    return {"model": f["tokenizer.ggml.model"].contents(), "pre": f["tokenizer.ggml.pre"].contents(),
            "tokens": tokens, "types": types, "merges": merges}


def build_hf_spm(path, arch):
    """SPM (gemma3): HF transformers' own GGUF tokenizer conversion (merges rebuilt from the vocab in
    file order). Its metadata reader needs torch, so feed it the fields from the gguf package instead.
    Returns None when transformers is not installed (it is optional)."""
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import (GGUF_TOKENIZER_MAPPING,
                                                                            convert_gguf_tokenizer)
    except ImportError:
        return None
    f = GGUFReader(path).fields
    d = {name: f["tokenizer." + key].contents() for key, name in GGUF_TOKENIZER_MAPPING["tokenizer"].items()
         if "tokenizer." + key in f}
    return convert_gguf_tokenizer(arch, d)[0]


def build_hf(v, parse_special):
    """Byte-level BPE from the GGUF's own vocab + merges, pre-tokenized like llama.cpp's `pre` type.

    Returns None for tokenizers handled elsewhere (SPM) or not rebuildable. Special (control) tokens
    are added only when parse_special is on, since HF always matches added tokens.
    """
    if v["model"] != "gpt2" or not v["merges"]:
        return None
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers
    vocab = {t: i for i, t in enumerate(v["tokens"])}
    merges = [tuple(m.split(" ", 1)) for m in v["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    if v["pre"] == "smollm":
        # llama.cpp: "\p{N}" split first, then the GPT-2 regex == HF Digits + ByteLevel(use_regex).
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif v["pre"] == "qwen2":
        # Note: real Qwen2 HF tokenizers also apply an NFC normalizer; llama.cpp does not, so neither do we.
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        return None
    tok.decoder = decoders.ByteLevel()
    if parse_special:
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                for t, ty in zip(v["tokens"], v["types"]) if ty == 3])
    return tok


def tokenize_model(name, path):
    common.quiet_llama()
    llm = llama_cpp.Llama(path, vocab_only=True, verbose=False)
    vocab = llm._model.vocab
    add_bos_flag = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
    bos = llama_cpp.llama_vocab_bos(vocab)
    v = gguf_vocab(path)
    hf = {ps: build_hf(v, ps) for ps in (False, True)}
    hf_source = "tokenizers, rebuilt from GGUF vocab+merges" if hf[True] else None
    # SPM via transformers always matches its special tokens: no hf_ids for parse_special=false cases
    # containing a control token's text (llama.cpp matches user-defined tokens either way).
    spm_specials = None
    if v["model"] == "llama" and hf[True] is None:
        spm = build_hf_spm(path, llm.metadata["general.architecture"])
        if spm is not None:
            import transformers
            hf = {False: spm, True: spm}
            hf_source = f"transformers {transformers.__version__} GGUF tokenizer conversion"
            spm_specials = [t for t, ty in zip(v["tokens"], v["types"]) if ty == 3]
    cases, disagreements = [], []
    for text, add_bos, parse_special in CASES:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=parse_special)
        pieces = [common.piece_bytes(vocab, t, special=True) for t in ids]
        detok = b"".join(common.piece_bytes(vocab, t, special=False) for t in ids)
        case = {"text": text, "add_bos": add_bos, "parse_special": parse_special, "ids": ids,
                "pieces": [p.decode("utf-8", errors="replace") for p in pieces],
                "pieces_hex": [p.hex() for p in pieces],
                "detokenized": detok.decode("utf-8", errors="replace"), "hf_ids": None}
        if spm_specials is not None and not parse_special and any(t in text for t in spm_specials):
            pass
        elif hf[parse_special] is not None:
            hf_ids = hf[parse_special].encode(text, add_special_tokens=False).ids
            if add_bos and add_bos_flag:
                hf_ids = [bos] + hf_ids
            case["hf_ids"] = hf_ids
            if hf_ids != ids:
                disagreements.append(text)
                print(f"[{name}] HF != llama.cpp for {text!r}:\n  llama {ids}\n  hf    {hf_ids}",
                      file=sys.stderr)
        cases.append(case)
    return {
        "model": name,
        "gguf": common.display_path(name),
        "tokenizer_model": v["model"], "tokenizer_pre": v["pre"], "n_vocab": len(v["tokens"]),
        "bos_id": bos, "eos_id": llama_cpp.llama_vocab_eos(vocab), "vocab_add_bos": add_bos_flag,
        "truth": "llama.cpp llama_tokenize(text, add_special=add_bos, parse_special) via llama-cpp-python",
        "notes": ("ids are the reference. add_bos only prepends BOS when the vocab's add_bos flag is set "
                  "(vocab_add_bos). pieces = llama_token_to_piece(special=true) per id (lossy UTF-8, "
                  "U+FFFD for partial byte tokens); pieces_hex = exact bytes; detokenized = concatenated "
                  "pieces with special=false. hf_ids = second reference from hf_source "
                  "(null where not available); hf_disagreements lists texts where hf_ids != ids."),
        "versions": common.versions(),
        "hf_source": hf_source,
        "hf_disagreements": disagreements,
        "cases": cases,
    }


def main(argv):
    import os
    names = argv or [n for n, p in common.MODEL_FILES.items() if os.path.exists(p)]
    for name in names:
        out = tokenize_model(name, common.MODEL_FILES[name])
        common.write_json(os.path.join(common.OUT, f"tokenizer_{name}.json"), out)


if __name__ == "__main__":
    main(sys.argv[1:])
