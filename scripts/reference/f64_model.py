"""An independent float64 numpy forward pass for every architecture hayloft runs (llama, qwen2, qwen3,
gemma3), over the GGUF weights dequantized by the `gguf` package. Dev tooling only (fixture generation and
numerics investigations), never on the product path.

Written from the architectures' descriptions, not from our engine:
  - llama (SmolLM2): RMSNorm, "normal" RoPE (pairs 2i, 2i+1; the GGUF converter permuted Q/K rows),
    GQA (consecutive query heads share a KV head), SiLU-gated FFN, tied or separate LM head.
  - qwen2: + Q/K/V biases, NEOX RoPE (pairs i, i + D/2). qwen3: per-head Q/K RMSNorm before RoPE.
  - gemma3: embeddings * sqrt(n_embd); per-head Q/K RMSNorm; NEOX RoPE with base 10000 on sliding
    (local) layers and rope.freq_base on global ones (every 6th layer, il % 6 == 5, is global); local
    layers see the last `sliding_window` positions; queries scaled by 1/sqrt(head_dim) (the 270m's
    query_pre_attn_scalar = head_dim); post-attention and post-FFN RMSNorms; GeGLU with the tanh GELU
    (HF `gelu_pytorch_tanh`). GGUF norm weights already include Gemma's "+1".

`emu`: an optional emulation of llama.cpp's CPU rounding points (see tests/data/engine/README.md):
activations quantized per the weight's vec_dot_type (Q8_0 / Q8_1 / Q8_K / f16), f16 K, V and Q in KQ,
f16 softmax probabilities in KQ.V, and ggml's f16 GELU table (GGML_GELU_FP16: gelu(f16(x)) stored f16).
"""
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, quants

K_QUANTS = (T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K)


class Model:
    def __init__(self, path):
        r = GGUFReader(path)
        self.arch = r.fields["general.architecture"].contents()
        self.hp = {k.split(".", 1)[1]: r.fields[k].contents() for k in r.fields
                   if k.startswith(self.arch + ".")}
        # Weights as float64 (dequantized by gguf in f32 arithmetic: relative error <= 6e-8, far below
        # everything measured here). Biases and norms are F32 already.
        self.w = {t.name: quants.dequantize(t.data, t.tensor_type).astype(np.float64) for t in r.tensors}
        self.types = {t.name: t.tensor_type for t in r.tensors}
        self.m = {}  # Q4_1/Q5_1 per-block minimum [rows, cols/32] for the Q8_1 sum emulation
        for t in r.tensors:
            if t.tensor_type in (T.Q4_1, T.Q5_1):
                blocks = np.asarray(t.data).reshape(t.data.shape[0], -1, 20 if t.tensor_type == T.Q4_1 else 24)
                self.m[t.name] = blocks[:, :, 2:4].copy().view(np.float16)[..., 0].astype(np.float64)
        hp = self.hp
        self.E = hp["embedding_length"]
        self.H, self.KV = hp["attention.head_count"], hp["attention.head_count_kv"]
        self.D = hp.get("attention.key_length", self.E // self.H)
        self.n_rot = hp.get("rope.dimension_count", self.D)
        self.eps = hp["attention.layer_norm_rms_epsilon"]
        self.base = hp.get("rope.freq_base", 10000.0)
        self.n_layer = hp["block_count"]
        self.out_name = "output.weight" if "output.weight" in self.w else "token_embd.weight"
        self.window = hp.get("attention.sliding_window", 0) if self.arch == "gemma3" else 0

    def sliding(self, il):
        return self.arch == "gemma3" and self.window > 0 and il % 6 < 5


def f16(x):
    return np.asarray(x).astype(np.float16).astype(np.float64)


def q8_32(x):
    """ggml Q8_0/Q8_1 over blocks of 32 (x86 path): d = amax/127 (f32), q = round_even(x * 127/amax).
    Returns q [n, 32] and d [n, 1]."""
    xs = x.reshape(-1, 32).astype(np.float32)
    amax = np.abs(xs).max(1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    return np.round(xs * inv).astype(np.float64), d.astype(np.float64)


def q8_k(x):
    """ggml quantize_row_q8_K_ref over blocks of 256: iscale = -127/max (max: the signed value of largest
    magnitude), q = min(127, round_even(iscale * x)), d = 1/iscale (f32). Returns dequantized values."""
    xs = x.reshape(-1, 256).astype(np.float32)
    idx = np.abs(xs).argmax(1)
    mx = xs[np.arange(xs.shape[0]), idx][:, None]
    safe = np.where(mx != 0, mx, 1).astype(np.float32)
    iscale = np.where(mx != 0, np.float32(-127) / safe, 0).astype(np.float32)
    q = np.minimum(127, np.round((iscale * xs).astype(np.float32)))
    d = np.where(mx != 0, np.float32(1) / np.where(iscale != 0, iscale, 1), 0).astype(np.float32)
    return (q.astype(np.float64) * d.astype(np.float64)).reshape(x.shape)


def matmul(model, h, name, emu):
    """h [T, in] @ w[name].T, optionally with llama.cpp's activation rounding for this weight type."""
    w = model.w[name]
    ty = model.types[name]
    if not emu or ty == T.F32:
        return h @ w.T
    if ty in (T.F16, T.BF16):
        return f16(h) @ w.T
    if ty in K_QUANTS:
        return q8_k(h) @ w.T
    q, d = q8_32(h)
    y = (q * f16(d)).reshape(h.shape) @ w.T
    if name in model.m:  # Q8_1: the weight-min term uses s = f16(d * sum q), not f16(d) * sum q
        sq = q.sum(1, keepdims=True)
        y = y + (f16(sq * d) - sq * f16(d)).reshape(h.shape[0], -1) @ model.m[name].T
    return y


def rmsnorm(x, g, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def rope(x, pos, base, n_rot, neox):
    """x [T, heads, D] rotated by pos * base^(-2i/n_rot); NEOX pairs (i, i + n_rot/2), normal (2i, 2i+1)."""
    half = n_rot // 2
    inv = base ** (-np.arange(half) * 2.0 / n_rot)
    ang = pos[:, None] * inv[None, :]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    out = x.copy()
    if neox:
        a, b = x[..., :half], x[..., half:n_rot]
        out[..., :half], out[..., half:n_rot] = a * cos - b * sin, a * sin + b * cos
    else:
        a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
        out[..., 0:n_rot:2], out[..., 1:n_rot:2] = a * cos - b * sin, a * sin + b * cos
    return out


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * x * (1 + 0.044715 * x * x)))


def gelu_emu(x):
    """ggml's GGML_GELU_FP16 path: |x| < 10 looks gelu(f16(x)) up in an f16 table."""
    y = f16(gelu_tanh(f16(x)))
    return np.where(x <= -10, 0.0, np.where(x >= 10, x, y))


def forward(model, ids, emu=False, out_rows=None, layer_states=None):
    """Logits [len(out_rows), n_vocab] for positions out_rows (default: all) of the causal sequence ids.
    emu: llama.cpp rounding emulation (module docstring). layer_states: a list that receives the
    residual stream [T, E] after each layer."""
    mm = lambda h, name: matmul(model, h, name, emu)
    rnd = f16 if emu else (lambda a: a)
    arch, eps, Tn = model.arch, model.eps, len(ids)
    H, KV, D = model.H, model.KV, model.D
    neox = arch != "llama"
    pos = np.arange(Tn, dtype=np.float64)
    x = model.w["token_embd.weight"][ids]
    if arch == "gemma3":
        x = x * (np.float32(np.sqrt(np.float32(model.E))) if emu else np.sqrt(model.E))
    causal = np.triu(np.full((Tn, Tn), -np.inf), 1)
    for il in range(model.n_layer):
        p = f"blk.{il}."
        w = model.w
        h = rmsnorm(x, w[p + "attn_norm.weight"], eps)
        q = mm(h, p + "attn_q.weight") + w.get(p + "attn_q.bias", 0)
        k = mm(h, p + "attn_k.weight") + w.get(p + "attn_k.bias", 0)
        v = mm(h, p + "attn_v.weight") + w.get(p + "attn_v.bias", 0)
        q, k, v = q.reshape(Tn, H, D), k.reshape(Tn, KV, D), v.reshape(Tn, KV, D)
        if p + "attn_q_norm.weight" in w:
            q = rmsnorm(q, w[p + "attn_q_norm.weight"], eps)
            k = rmsnorm(k, w[p + "attn_k_norm.weight"], eps)
        base = 10000.0 if model.sliding(il) else model.base
        q, k = rope(q, pos, base, model.n_rot, neox), rope(k, pos, base, model.n_rot, neox)
        if arch == "gemma3":
            q, scale = q / np.sqrt(D), 1.0
        else:
            scale = 1 / np.sqrt(D)
        q, k, v = rnd(q), rnd(k), rnd(v)
        mask = causal
        if model.sliding(il):
            mask = causal + np.tril(np.full((Tn, Tn), -np.inf), -model.window)
        att = np.empty((Tn, H, D))
        for hd in range(H):
            kv = hd // (H // KV)
            s = q[:, hd] @ k[:, kv].T * scale + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            att[:, hd] = rnd(s / s.sum(-1, keepdims=True)) @ v[:, kv]
        o = mm(att.reshape(Tn, H * D), p + "attn_output.weight")
        if arch == "gemma3":
            o = rmsnorm(o, w[p + "post_attention_norm.weight"], eps)
        x = x + o
        h = rmsnorm(x, w[p + "ffn_norm.weight"], eps)
        g, u = mm(h, p + "ffn_gate.weight"), mm(h, p + "ffn_up.weight")
        if arch == "gemma3":
            a = (gelu_emu(g) if emu else gelu_tanh(g)) * u
        else:
            a = g / (1 + np.exp(-g)) * u
        f = mm(a, p + "ffn_down.weight")
        if arch == "gemma3":
            f = rmsnorm(f, w[p + "post_ffw_norm.weight"], eps)
        x = x + f
        if layer_states is not None:
            layer_states.append(x.copy())
    rows = np.arange(Tn) if out_rows is None else np.asarray(out_rows)
    h = rmsnorm(x[rows], model.w["output_norm.weight"], eps)
    # The LM head in chunks of 16384 rows: gemma3's [262144, 640] f64 product is large. Under emu the
    # activations are rounded once, as llama.cpp quantizes them once per matmul.
    wout = model.w[model.out_name]
    assert not emu or model.out_name not in model.m, "Q4_1/Q5_1 LM head: emulation not written"
    ha = h
    if emu and model.types[model.out_name] != T.F32:
        if model.types[model.out_name] in (T.F16, T.BF16):
            ha = f16(h)
        elif model.types[model.out_name] in K_QUANTS:
            ha = q8_k(h)
        else:
            q, d = q8_32(h)
            ha = (q * f16(d)).reshape(h.shape)
    out = np.empty((len(rows), wout.shape[0]))
    for r0 in range(0, wout.shape[0], 16384):
        out[:, r0:r0 + 16384] = ha @ wout[r0:r0 + 16384].T
    return out
