"""Writes tests/data/engine/f64_<model>.json: what an exact float64 forward pass (f64_model.py) says at the
places the engine tests look, so they can tell a rounding near-tie from a bug.

Per prompt of logits_<model>.json (first n_pos positions): the f64 logits at the f64 top-256 ids and at
2048 fixed probe ids (for gemma3 the same probe ids as logits_gemma3.json; otherwise drawn the same way,
numpy.random.default_rng(1234).choice(n_vocab, 2048, replace=False), sorted), plus per position the
distance between llama.cpp's logits and f64 (max and mean abs over the full vocabulary where llama.cpp's
are stored in full, else over llama.cpp's top-256 and the probes) and both top-1/top-2 margins.

Per greedy run of greedy_<model>.json: the f64 logits *teacher-forced on llama.cpp's greedy tokens* (the
sequence prompt + llama.cpp's ids), i.e. at step i what exact math says about the token llama.cpp picked
next: the f64 top-8 ids and logits, its top-1/top-2 margin and llama.cpp's token's f64 rank and logit gap
below the f64 best. Also `f64_greedy`: exact math's own free-running greedy ids for the first 20 steps,
and for gemma3 `free_text_greedy`: llama.cpp's and exact math's 20-token greedy continuation of the
README tour's prompt "The capital of France is".

Usage: make_f64_reference.py [model ...]   (run after make_logits_fixtures.py; gemma3 takes ~5 min)
"""
import json
import os
import sys

import numpy as np

import common
import f64_model

N_TOP = 256
N_PROBE = 2048
N_STEP_TOP = 8
N_F64_GREEDY = 20


def top(row, k):
    ids = np.argsort(-row, kind="stable")[:k]
    return [int(i) for i in ids], [round(float(row[i]), 5) for i in ids]


def margin(row):
    a, b = np.sort(row)[-2:][::-1]
    return round(float(a - b), 5)


def llama_rows(fx, p):
    """llama.cpp's logits as (ids, values) per position: all ids for "full" fixtures, else top-256 + probes."""
    if fx["format"] == "full":
        full = np.fromfile(os.path.join(common.OUT, p["bin"]), "<f2").reshape(p["n_pos"], -1).astype(np.float64)
        return [(np.arange(full.shape[1]), full[i]) for i in range(p["n_pos"])]
    probe = fx["probe_ids"]
    return [(np.array(p["top256"][i]["ids"] + probe), np.array(p["top256"][i]["logits"] + p["probe_logits"][i]))
            for i in range(p["n_pos"])]


def logits_section(model, fx, probe):
    prompts = []
    for p in fx["prompts"]:
        ids = p["ids"][: p["n_pos"]]
        f = f64_model.forward(model, ids)
        positions = []
        for i, (lids, lval) in enumerate(llama_rows(fx, p)):
            d = np.abs(f[i, lids] - lval)
            lc_sorted = np.sort(lval)[::-1]
            t_ids, t_val = top(f[i], N_TOP)
            positions.append({
                "top256": {"ids": t_ids, "logits": t_val},
                "probe_logits": [round(float(f[i, j]), 5) for j in probe],
                "llama_cpp_vs_f64_max_abs": round(float(d.max()), 4),
                "llama_cpp_vs_f64_mean_abs": round(float(d.mean()), 4),
                "f64_top1_top2_margin": margin(f[i]),
                "llama_cpp_top1_top2_margin": round(float(lc_sorted[0] - lc_sorted[1]), 5),
                "llama_cpp_top1_is_f64_top1": bool(int(lids[np.argmax(lval)]) == t_ids[0]),
            })
            print(f"  {fx['model']} {p['name']} pos {i}: |llama.cpp - f64| max {d.max():.3f} mean {d.mean():.3f}",
                  file=sys.stderr)
        prompts.append({"name": p["name"], "ids": ids, "n_pos": p["n_pos"], "positions": positions})
    return prompts


def f64_greedy(model, prompt, n):
    ids = list(prompt)
    for _ in range(n):
        ids.append(int(np.argmax(f64_model.forward(model, ids, out_rows=[len(ids) - 1])[0])))
    return ids[len(prompt):]


def greedy_section(model, runs):
    out = []
    for run in runs:
        prompt, lc_ids = run["prompt_ids"], run["ids"]
        seq = prompt + lc_ids[:-1]
        rows = list(range(len(prompt) - 1, len(seq)))
        f = f64_model.forward(model, seq, out_rows=rows)
        steps = []
        for i, tok in enumerate(lc_ids):
            t_ids, t_val = top(f[i], N_STEP_TOP)
            steps.append({"top8": {"ids": t_ids, "logits": t_val}, "f64_top1_top2_margin": margin(f[i]),
                          "llama_cpp_token_rank": int((f[i] > f[i, tok]).sum()),
                          "llama_cpp_token_gap": round(float(f[i].max() - f[i, tok]), 5)})
        g = f64_greedy(model, prompt, N_F64_GREEDY)
        same = next((j for j, (a, b) in enumerate(zip(g, lc_ids)) if a != b), None)
        off = [j for j, s in enumerate(steps) if s["llama_cpp_token_rank"] > 0]
        print(f"  {run['name']}: llama.cpp's greedy token is not f64's best at steps {off}; "
              f"f64 free greedy first differs at {same}", file=sys.stderr)
        out.append({"name": run["name"], "prompt_ids": prompt, "llama_cpp_ids": lc_ids, "steps": steps,
                    "f64_greedy_ids": g, "f64_greedy_first_difference": same})
    return out


def free_text_greedy(name, model, text, n):
    """llama.cpp's and exact math's greedy continuations of a plain prompt (the README's generate example)."""
    import llama_cpp
    common.quiet_llama()
    llm = llama_cpp.Llama(common.MODEL_FILES[name], verbose=False, n_ctx=512, n_threads=2, n_batch=512, seed=0,
                          logits_all=True)
    vocab = llm._model.vocab
    ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
    llm.reset()
    llm.eval(ids)
    lc_ids = []
    for _ in range(n):
        lc_ids.append(int(np.argmax(llm.scores[llm.n_tokens - 1])))
        llm.eval([lc_ids[-1]])
    f_ids = f64_greedy(model, ids, n)
    text_of = lambda t: b"".join(common.piece_bytes(vocab, i) for i in t).decode("utf-8", errors="replace")
    print(f"  {text!r}: llama.cpp {text_of(lc_ids)!r}; f64 {text_of(f_ids)!r}", file=sys.stderr)
    return {"prompt": text, "prompt_ids": ids, "llama_cpp_ids": lc_ids, "llama_cpp_text": text_of(lc_ids),
            "f64_ids": f_ids, "f64_text": text_of(f_ids)}


FREE_TEXT = {"gemma3": "The capital of France is"}


def main(names):
    for name in names:
        model = f64_model.Model(common.MODEL_FILES[name])
        fx = json.load(open(os.path.join(common.OUT, f"logits_{name}.json")))
        greedy = json.load(open(os.path.join(common.OUT, f"greedy_{name}.json")))
        n_vocab = fx["n_vocab"]
        probe = fx["probe_ids"] or sorted(int(i) for i in np.random.default_rng(1234).choice(
            n_vocab, min(N_PROBE, n_vocab), replace=False))
        common.write_json(os.path.join(common.OUT, f"f64_{name}.json"), {
            "model": name, "gguf": common.display_path(name), "n_vocab": n_vocab, "probe_ids": probe,
            "method": "numpy float64 forward over gguf-dequantized weights, no activation quantization, "
                      "f64 K/V; scripts/reference/f64_model.py",
            "versions": common.versions(), "prompts": logits_section(model, fx, probe),
            "greedy": greedy_section(model, greedy["runs"]),
            "free_text_greedy": free_text_greedy(name, model, FREE_TEXT[name], 20) if name in FREE_TEXT else None})


if __name__ == "__main__":
    main(sys.argv[1:] or ["tiny-qwen2", "tiny-qwen3", "smollm2", "gemma3"])
