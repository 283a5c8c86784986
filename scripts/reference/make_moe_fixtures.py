"""Writes tests/data/engine/moe_<name>.json (+ moe_<name>_p<k>.bin): llama.cpp's logits, greedy tokens and
per-token router choices on the random-weight MoE models of make_moe_models.py (dev tooling only).

Per prompt (the prompts of make_logits_fixtures.py), evaluated one token per eval() (llama.cpp's decode
path) with its settings. Why not one batch: on x86 llama.cpp repacks Q4_K weights for its batched GEMM,
whose rounding differs from its own one-token path (measured on moe-mixtral-q4k: 40 of 110 routes of the
`code` prompt differ between the two), while for Q8_0 the two agree; hayloft's decode path (and its
quantized prefill) mirror the one-token path.
  - `bin`: logits of the first N_POS positions, float16 little-endian [n_pos, n_vocab]; `top16` per position;
  - `routes[layer]` for every MoE layer and every prompt token: `experts` (llama.cpp's ffn_moe_topk, best
    first), `weights` (ffn_moe_weights_norm where the architecture renormalises, else ffn_moe_weights), and
    `scores`: the selection scores of all experts (ffn_moe_probs; llama4 ranks raw logits, ffn_moe_logits),
    so a consumer can tell a different choice at a near-tie from a wrong one.
Greedy: 40 tokens by argmax, one eval() per token, with the top-1/top-2 margin of every step.
"""
import ctypes
import os
import sys

import llama_cpp
import llama_cpp.llama_cpp as lc
import numpy as np

import common
from llama_layers import Tensor
from make_logits_fixtures import LLAMA_SETTINGS, PROMPTS, settings_record, top_k
from make_moe_models import MODELS, hparams, path_of

N_POS = 8
N_GREEDY = 40
WANT = ("ffn_moe_topk", "ffn_moe_weights", "ffn_moe_weights_norm", "ffn_moe_probs", "ffn_moe_logits")


def read_tensor(tt):
    """f32 (type 0) or i32 (type 26) data, outer dimensions first, leading 1s dropped; views by strides."""
    dtype = {0: np.float32, 26: np.int32}[tt.type]
    ne = [tt.ne[i] for i in range(4)][::-1]
    nb = [tt.nb[i] for i in range(4)][::-1]
    span = sum((n - 1) * b for n, b in zip(ne, nb)) + 4
    raw = np.ctypeslib.as_array(ctypes.cast(tt.data, ctypes.POINTER(ctypes.c_uint8)), shape=(span,))
    a = np.lib.stride_tricks.as_strided(raw, shape=tuple(ne) + (4,), strides=tuple(nb) + (1,))
    a = a.copy().view(dtype)[..., 0]
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    return a


class Capture:
    def __init__(self):
        self.got = {}
        self.on = False

        def cb(t, ask, _user):
            tt = ctypes.cast(t, ctypes.POINTER(Tensor)).contents
            nm = tt.name.decode()
            stem = nm.rsplit("-", 1)[0]
            if ask:
                return self.on and stem in WANT
            if self.on and stem in WANT and tt.type in (0, 26):
                self.got[nm] = read_tensor(tt)
            return True

        self.cfun = lc.ggml_backend_sched_eval_callback(cb)


def load(path, cap):
    orig = lc.llama_context_default_params

    def patched():  # Llama() takes no callback argument: hand it through the default params
        p = orig()
        p.cb_eval = cap.cfun
        p.cb_eval_user_data = None
        return p

    lc.llama_context_default_params = patched
    try:
        common.quiet_llama()
        return llama_cpp.Llama(path, verbose=False, **LLAMA_SETTINGS)
    finally:
        lc.llama_context_default_params = orig


def routes_of(got, arch, moe_layers, n):
    out = {}
    for il in moe_layers:
        ex = got[f"ffn_moe_topk-{il}"].reshape(n, -1)
        w = got.get(f"ffn_moe_weights_norm-{il}", got[f"ffn_moe_weights-{il}"]).reshape(n, -1)
        sc = got[f"ffn_moe_logits-{il}" if arch == "llama4" else f"ffn_moe_probs-{il}"].reshape(n, -1)
        out[str(il)] = {"experts": ex.tolist(), "weights": [[round(float(v), 7) for v in r] for r in w],
                        "scores": [[round(float(v), 7) for v in r] for r in sc]}
    return out


def run_model(name):
    arch, hp = hparams(name)
    moe_layers = [il for il in range(hp["n_layer"]) if arch != "llama4" or (il + 1) % hp["moe_step"] == 0]
    cap = Capture()
    llm = load(path_of(name), cap)
    vocab = llm._model.vocab
    n_vocab = llm.n_vocab()
    prompts, greedies = [], []
    for k, (pname, text) in enumerate(PROMPTS):
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        llm.reset()
        routes = None
        for t, tok in enumerate(ids):
            cap.got, cap.on = {}, True
            llm.eval([tok])
            cap.on = False
            r = routes_of(cap.got, arch, moe_layers, 1)
            if routes is None:
                routes = r
            else:
                for il, v in r.items():
                    for key in v:
                        routes[il][key] += v[key]
        scores = np.array(llm.scores[:len(ids)], dtype=np.float32)
        bin_name = f"moe_{name}_p{k}.bin"
        scores[:N_POS].astype("<f2").tofile(os.path.join(common.OUT, bin_name))
        prompts.append({"name": pname, "text": text, "ids": ids, "n_pos": N_POS, "bin": bin_name,
                        "top16": [dict(zip(("ids", "logits"), top_k(r, 16))) for r in scores[:N_POS]],
                        "routes": routes})
        row = scores[-1]
        out, margins = [], []
        for _ in range(N_GREEDY):
            ti, tv = top_k(row, 2)
            out.append(ti[0])
            margins.append(round(tv[0] - tv[1], 5))
            if llama_cpp.llama_vocab_is_eog(vocab, ti[0]):
                break
            llm.eval([ti[0]])
            row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        greedies.append({"name": pname, "prompt_ids": ids, "ids": out, "top1_top2_margin": margins})
    for e in prompts:
        for t in e["top16"]:
            t["logits"] = [round(v, 5) for v in t["logits"]]
    common.write_json(os.path.join(common.OUT, f"moe_{name}.json"), {
        "model": name, "arch": arch, "gguf": f"tests/data/engine/moe-{name}.gguf", "n_vocab": n_vocab,
        "n_expert": hp["n_expert"], "n_expert_used": hp["n_expert_used"], "moe_layers": moe_layers,
        "tie_experts_layer0": [2, 5], "eval": "one token per eval()", "llama_settings": settings_record(), "versions": common.versions(),
        "prompts": prompts, "greedy": greedies})


if __name__ == "__main__":
    for n in sys.argv[1:] or list(MODELS):
        run_model(n)
