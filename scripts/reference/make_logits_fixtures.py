"""Writes tests/data/engine/logits_<model>.json (+ logits_<model>_p<k>.bin) and greedy_<model>.json.

For each prompt: the prompt ids and llama.cpp's logits at the first N_POS positions, stored either
  - "full":   all n_vocab logits as float16 little-endian, row-major [n_pos, n_vocab], one .bin per prompt
              (used when n_pos * n_vocab * 2 bytes <= 2 MB), or
  - "sparse": per position the top-256 ids + float32 logits, and the logits at a fixed, seeded set of
              2048 probe ids (same set for every position and prompt), inline in the JSON.
Every position also carries its top-16 ids/logits as float32 in the JSON for exact spot checks.
Greedy: 40 tokens by argmax over llama.cpp's logits (== temperature 0, top_k 1, repeat_penalty 1.0),
stopping early at an end-of-generation token; the top-1/top-2 margin of every step is recorded so a
consumer can tell a real divergence from a near-tie.
"""
import os
import sys

import llama_cpp
import numpy as np

import common

N_POS = 8
N_GREEDY = 40
FULL_LIMIT_BYTES = 2 * 1024 * 1024
N_TOP_SPARSE = 256
N_PROBE = 2048
N_TOP_JSON = 16
LLAMA_SETTINGS = dict(n_ctx=512, n_threads=2, n_batch=512, seed=0, logits_all=True)

PROMPTS = [
    ("short", "The capital of France is Paris, and the capital of Germany is"),
    ("medium", "Once upon a time, in a small village at the edge of a dark forest, there lived an old "
               "clockmaker named Elias. Every morning he opened his shop at seven o'clock sharp, wound "
               "the great brass clock above the door, and waited for customers who rarely came. One "
               "winter evening, a stranger knocked"),
    ("code", "def fib(n):\n    \"\"\"Return the n-th Fibonacci number; fib(10) == 55.\"\"\"\n    a, b = 0, 1\n"
             "    for _ in range(n):\n"),
]
CHAT_MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def settings_record():
    return dict(LLAMA_SETTINGS, flash_attn=False, type_k="f16", type_v="f16", n_ubatch=512,
                backend="CPU (llama-cpp-python wheel built from source, default CPU features)",
                api="Llama(path, **settings); eval(prompt ids); scores[:n_pos]",
                greedy="argmax of llama.cpp logits, one eval() per generated token; equals temperature 0, "
                       "top_k 1, repeat_penalty 1.0; stops after an end-of-generation token")


def top_k(row, k):
    ids = np.argsort(-row, kind="stable")[:k]
    return [int(i) for i in ids], [float(row[i]) for i in ids]


def eval_prompt(llm, ids):
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[:len(ids)], dtype=np.float32)


def greedy(llm, vocab, ids):
    scores = eval_prompt(llm, ids)
    row = scores[-1]
    out, margins = [], []
    for _ in range(N_GREEDY):
        top_ids, top_vals = top_k(row, 2)
        out.append(top_ids[0])
        margins.append(round(top_vals[0] - top_vals[1], 5))
        if llama_cpp.llama_vocab_is_eog(vocab, top_ids[0]):
            break
        llm.eval([top_ids[0]])
        row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    text = b"".join(common.piece_bytes(vocab, t, special=True) for t in out)
    return {"ids": out, "text": text.decode("utf-8", errors="replace"), "top1_top2_margin": margins,
            "stopped_at_eog": bool(llama_cpp.llama_vocab_is_eog(vocab, out[-1]))}


def chat_prompt(llm):
    return common.render_chat(llm.metadata["tokenizer.chat_template"], CHAT_MESSAGES, True)


def run_model(name):
    path = common.MODEL_FILES[name]
    common.quiet_llama()
    llm = llama_cpp.Llama(path, verbose=False, **LLAMA_SETTINGS)
    vocab = llm._model.vocab
    n_vocab = llm.n_vocab()
    n_pos_bytes = N_POS * n_vocab * 2
    full = n_pos_bytes <= FULL_LIMIT_BYTES
    probe = None if full else sorted(int(i) for i in np.random.default_rng(1234).choice(
        n_vocab, N_PROBE, replace=False))
    prompts, greedies = [], []
    for k, (pname, text) in enumerate(PROMPTS):
        # add_bos=True adds BOS only where the vocab asks for it (gemma3 yes, smollm2/qwen no).
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        scores = eval_prompt(llm, ids)[:N_POS]
        entry = {"name": pname, "text": text, "ids": ids, "n_pos": int(scores.shape[0]),
                 "top16": [dict(zip(("ids", "logits"), top_k(r, N_TOP_JSON))) for r in scores]}
        if full:
            bin_name = f"logits_{name}_p{k}.bin"
            scores.astype("<f2").tofile(os.path.join(common.OUT, bin_name))
            entry["bin"] = bin_name
        else:
            entry["top256"] = [dict(zip(("ids", "logits"), top_k(r, N_TOP_SPARSE))) for r in scores]
            entry["probe_logits"] = [[round(float(r[i]), 5) for i in probe] for r in scores]
        prompts.append(entry)
        greedies.append(dict(name=pname, prompt=text, prompt_ids=ids, **greedy(llm, vocab, ids)))
    if name == "smollm2":
        text = chat_prompt(llm)
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        greedies.append(dict(name="chat", prompt=text, prompt_ids=ids, **greedy(llm, vocab, ids)))
    for e in prompts:
        for t in e["top16"] + e.get("top256", []):
            t["logits"] = [round(v, 5) for v in t["logits"]]
    header = {"model": name, "gguf": common.display_path(name), "n_vocab": n_vocab,
              "format": "full" if full else "sparse", "dtype": "float16 little-endian" if full else None,
              "layout": "[n_pos, n_vocab] row-major" if full else None, "probe_ids": probe,
              "probe_seed": None if full else 1234, "llama_settings": settings_record(),
              "versions": common.versions(), "prompts": prompts}
    common.write_json(os.path.join(common.OUT, f"logits_{name}.json"), header)
    common.write_json(os.path.join(common.OUT, f"greedy_{name}.json"),
                      {"model": name, "gguf": header["gguf"], "n_greedy": N_GREEDY,
                       "llama_settings": settings_record(), "versions": common.versions(),
                       "runs": greedies})


if __name__ == "__main__":
    for name in sys.argv[1:] or list(common.MODEL_FILES):
        run_model(name)
