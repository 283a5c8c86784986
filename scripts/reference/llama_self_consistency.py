"""llama.cpp against itself: greedy continuations of the fixture prompts when the prompt is evaluated in one
batch (n_batch=512, as the fixtures were made) and one token at a time (n_batch=1), same file, same
threads. Where llama.cpp parts from itself, a different engine cannot be required to agree with it either.
Prints one JSON document. Dev-only: needs llama-cpp-python (scripts/make-reference-fixtures' venv).

  python llama_self_consistency.py [smollm2 gemma3 tiny-qwen2 tiny-qwen3]
"""
import json
import sys

import llama_cpp
import numpy as np

import common
import make_logits_fixtures as mlf


def greedy_ids(llm, vocab, ids, n):
    llm.reset()
    llm.eval(ids)
    row = np.array(llm.scores[len(ids) - 1], dtype=np.float32)
    out, margins = [], []
    for _ in range(n):
        order = np.argsort(-row, kind="stable")[:2]
        out.append(int(order[0]))
        margins.append(float(row[order[0]] - row[order[1]]))
        if llama_cpp.llama_vocab_is_eog(vocab, int(order[0])):
            break
        llm.eval([int(order[0])])
        row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    return out, margins


def run(name):
    common.quiet_llama()
    path = common.MODEL_FILES[name]
    batched = llama_cpp.Llama(path, verbose=False, **mlf.LLAMA_SETTINGS)
    single = llama_cpp.Llama(path, verbose=False, **dict(mlf.LLAMA_SETTINGS, n_batch=1, n_ubatch=1))
    vocab = batched._model.vocab
    prompts = [(p, batched.tokenize(t.encode("utf-8"), add_bos=True, special=False)) for p, t in mlf.PROMPTS]
    if name == "smollm2":
        text = mlf.chat_prompt(batched)
        prompts.append(("chat", batched.tokenize(text.encode("utf-8"), add_bos=True, special=True)))
    rows = []
    for pname, ids in prompts:
        a, margins = greedy_ids(batched, vocab, ids, mlf.N_GREEDY)
        b, _ = greedy_ids(single, vocab, ids, mlf.N_GREEDY)
        part = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
        rows.append({"model": name, "prompt": pname, "tokens": min(len(a), len(b)),
                     "parts_at": part, "batched_margin_there": None if part is None else round(margins[part], 4)})
    return rows


if __name__ == "__main__":
    names = sys.argv[1:] or ["smollm2", "gemma3", "tiny-qwen2", "tiny-qwen3"]
    print(json.dumps([r for n in names for r in run(n)], indent=1))
