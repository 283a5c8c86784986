"""Exact-math logits for the tiny models: a plain float64 numpy forward pass over the dequantized GGUF
weights, written from the architecture description. Writes logits_<model>_p<k>.exact.bin (float32 LE,
[n_pos, n_vocab]) and exact_<model>.json (per prompt: ids, bin, the max/mean |exact - llama.cpp|, and
the exact-math greedy continuation with the step where it first departs from llama.cpp's, or null).

It proves the tiny GGUFs mean what we intended (qwen3 head_dim 32, q/k norms, qwen2 biases, NEOX rope,
GQA, tied/separate output) and measures how far llama.cpp (Q8-quantized activations in quantized
matmuls, f16 KV cache) is from exact math, so engine tests can pick tolerances for both.

Usage: make_exact_logits.py [tiny-qwen2 tiny-qwen3]   (run after make_logits_fixtures.py)
"""
import json
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, quants

import common


def load(path):
    """Returns arch, hyper-parameters, float64 weights, and `emu` (per-tensor GGML type, plus the
    per-block minimum m [rows, cols/32] of Q4_1/Q5_1 tensors) for the llama.cpp emulation."""
    r = GGUFReader(path)
    w = {t.name: quants.dequantize(t.data, t.tensor_type).astype(np.float64) for t in r.tensors}
    arch = r.fields["general.architecture"].contents()
    hp = {k.split(".", 1)[1]: r.fields[k].contents() for k in r.fields if k.startswith(arch + ".")}
    emu = {"types": {t.name: t.tensor_type for t in r.tensors}, "m": {}}
    for t in r.tensors:
        if t.tensor_type in (T.Q4_1, T.Q5_1):  # block: f16 d, f16 m, ... (20 or 24 bytes)
            blocks = np.asarray(t.data).reshape(t.data.shape[0], -1, 20 if t.tensor_type == T.Q4_1 else 24)
            emu["m"][t.name] = blocks[:, :, 2:4].copy().view(np.float16)[..., 0].astype(np.float64)
    return arch, hp, w, emu


def f16(x):
    return x.astype(np.float16).astype(np.float64)


def q8_blocks(x):
    """ggml quantize_row_q8_0/q8_1 over blocks of 32: d = amax/127 (f32), q = round(x/d), d stored f16.
    Returns q [n, 32], d [n, 1] (f32)."""
    xs = x.reshape(-1, 32).astype(np.float32)
    d = (np.abs(xs).max(1, keepdims=True) / 127).astype(np.float32)
    inv = np.where(d > 0, 1 / np.where(d > 0, d, 1), 0).astype(np.float32)
    return np.round(xs * inv).astype(np.float64), d.astype(np.float64)


def matmul(h, w, name, emu):
    """h [T, in] @ w[name].T. With emu, reproduce llama.cpp's CPU vec_dot input rounding: F16 weights
    see f16 activations; Q4_0/Q5_0/Q8_0 see Q8_0 activations; Q4_1/Q5_1 see Q8_1 activations whose
    stored sum s = f16(d * sum(q)) feeds the weight minimum term."""
    if emu is None or emu["types"][name] == T.F32:
        return h @ w[name].T
    if emu["types"][name] in (T.F16, T.BF16):
        return f16(h) @ w[name].T
    q, d = q8_blocks(h)
    y = (q * f16(d)).reshape(h.shape) @ w[name].T
    if name in emu["m"]:
        sq = q.sum(1, keepdims=True)
        y = y + (f16(sq * d) - sq * f16(d)).reshape(h.shape[0], -1) @ emu["m"][name].T
    return y


def rmsnorm(x, g, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def rope_neox(x, pos, base):
    """x [T, heads, D]: NEOX rope rotates pairs (i, i + D/2) by pos * base^(-2i/D)."""
    d = x.shape[-1]
    inv = base ** (-np.arange(0, d // 2) * 2.0 / d)
    ang = pos[:, None] * inv[None, :]                     # [T, D/2]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., : d // 2], x[..., d // 2:]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], -1)


def forward(arch, hp, w, ids, emu=None):
    """Logits [T, n_vocab]. emu=None: exact float64 math. emu from load(): llama.cpp's CPU rounding
    (quantized activations, f16 K/V cache, f16 q in KQ, f16 probabilities in KQ*V)."""
    mm = lambda h, name: matmul(h, w, name, emu)
    rnd = f16 if emu is not None else (lambda a: a)
    T, E = len(ids), hp["embedding_length"]
    H, KV, D = hp["attention.head_count"], hp["attention.head_count_kv"], hp["attention.key_length"]
    eps, base = hp["attention.layer_norm_rms_epsilon"], hp["rope.freq_base"]
    pos = np.arange(T, dtype=np.float64)
    x = w["token_embd.weight"][ids]                          # [T, E]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for i in range(hp["block_count"]):
        p = f"blk.{i}."
        h = rmsnorm(x, w[p + "attn_norm.weight"], eps)
        q = mm(h, p + "attn_q.weight") + w.get(p + "attn_q.bias", 0)
        k = mm(h, p + "attn_k.weight") + w.get(p + "attn_k.bias", 0)
        v = mm(h, p + "attn_v.weight") + w.get(p + "attn_v.bias", 0)
        q, k, v = q.reshape(T, H, D), k.reshape(T, KV, D), v.reshape(T, KV, D)
        if arch == "qwen3":
            q = rmsnorm(q, w[p + "attn_q_norm.weight"], eps)
            k = rmsnorm(k, w[p + "attn_k_norm.weight"], eps)
        q, k, v = rnd(rope_neox(q, pos, base)), rnd(rope_neox(k, pos, base)), rnd(v)
        out = np.empty((T, H, D))
        for hd in range(H):
            kv = hd // (H // KV)                             # GQA: consecutive q heads share a kv head
            s = q[:, hd] @ k[:, kv].T / np.sqrt(D) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, hd] = rnd(s / s.sum(-1, keepdims=True)) @ v[:, kv]
        x = x + mm(out.reshape(T, H * D), p + "attn_output.weight")
        h = rmsnorm(x, w[p + "ffn_norm.weight"], eps)
        g = mm(h, p + "ffn_gate.weight")
        x = x + mm((g / (1 + np.exp(-g))) * mm(h, p + "ffn_up.weight"), p + "ffn_down.weight")
    out_name = "output.weight" if "output.weight" in w else "token_embd.weight"
    return mm(rmsnorm(x, w["output_norm.weight"], eps), out_name)


def exact_greedy(arch, hp, w, ids, n):
    """n argmax tokens by full recomputation (no KV cache); returns ids and top1-top2 margins."""
    ids, out, margins = list(ids), [], []
    for _ in range(n):
        row = forward(arch, hp, w, ids)[-1]
        top = np.argsort(-row, kind="stable")[:2]
        out.append(int(top[0]))
        margins.append(round(float(row[top[0]] - row[top[1]]), 5))
        ids.append(int(top[0]))
    return out, margins


def main(names):
    for name in names:
        arch, hp, w, emu = load(common.MODEL_FILES[name])
        ref = json.load(open(os.path.join(common.OUT, f"logits_{name}.json")))
        prompts = []
        llama_greedy = json.load(open(os.path.join(common.OUT, f"greedy_{name}.json")))["runs"]
        for k, p in enumerate(ref["prompts"]):
            exact = forward(arch, hp, w, p["ids"])[: p["n_pos"]]
            got = np.fromfile(os.path.join(common.OUT, p["bin"]), "<f2").reshape(p["n_pos"], -1)
            diff = np.abs(exact - got.astype(np.float64))
            agree = int((exact.argmax(-1) == got.argmax(-1)).sum())
            emu_diff = np.abs(forward(arch, hp, w, p["ids"], emu)[: p["n_pos"]] - got.astype(np.float64))
            print(f"  llama.cpp-rounding emulation: max|emu-llama.cpp| {emu_diff.max():.4f}", file=sys.stderr)
            print(f"{name} {p['name']}: max|exact-llama.cpp| {diff.max():.4f} mean {diff.mean():.4f} "
                  f"(logit std {exact.std():.2f}), argmax agree {agree}/{p['n_pos']}", file=sys.stderr)
            bin_name = f"logits_{name}_p{k}.exact.bin"
            exact.astype("<f4").tofile(os.path.join(common.OUT, bin_name))
            g_ids, g_margins = exact_greedy(arch, hp, w, p["ids"], len(llama_greedy[k]["ids"]))
            same = next((j for j, (a, b) in enumerate(zip(g_ids, llama_greedy[k]["ids"])) if a != b), None)
            print(f"  greedy: first divergence from llama.cpp at step {same}", file=sys.stderr)
            prompts.append({"name": p["name"], "ids": p["ids"], "n_pos": p["n_pos"], "bin": bin_name,
                            "greedy_ids": g_ids, "greedy_top1_top2_margin": g_margins,
                            "greedy_first_divergence_from_llama_cpp": same,
                            "max_abs_diff_vs_llama_cpp": round(float(diff.max()), 4),
                            "mean_abs_diff_vs_llama_cpp": round(float(diff.mean()), 4),
                            "argmax_agree_with_llama_cpp": agree,
                            "max_abs_diff_llama_emulation_vs_llama_cpp": round(float(emu_diff.max()), 4)})
        common.write_json(os.path.join(common.OUT, f"exact_{name}.json"), {
            "model": name, "gguf": common.display_path(name), "n_vocab": int(exact.shape[1]),
            "dtype": "float32 little-endian", "layout": "[n_pos, n_vocab] row-major",
            "method": "numpy float64 forward over gguf.quants.dequantize()d weights (no activation "
                      "quantization, f64 KV), rounded to float32; see scripts/reference/make_exact_logits.py",
            "versions": common.versions(), "prompts": prompts})


if __name__ == "__main__":
    main(sys.argv[1:] or ["tiny-qwen2", "tiny-qwen3"])
