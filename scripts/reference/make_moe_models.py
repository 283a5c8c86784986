"""Writes tests/data/engine/moe-<name>.gguf: small seeded random-weight mixture-of-experts models, one per
architecture hayloft routes (mixtral = GGUF arch "llama" with experts, qwen2moe, qwen3moe, olmoe,
granitemoe, llama4), plus Q4_K variants of the two bench shapes (Mixtral-like, Llama 4-like).

Dev tooling only (PyPI gguf + numpy). Tokenizer: SmolLM2's byte-level BPE truncated to its first N tokens
as in make_tiny_models.py, so prompts are real text. Scales make logits peaked (output_norm gain ~12) and
routing decided (router weights std 0.3 over a unit-RMS input: router logits std ~2.4), so neither the
greedy token nor the chosen experts are usually near-ties. In layer 0 of every model, expert 5's router
row is a copy of expert 2's: their logits are exactly equal for every token, so the fixtures show how a
tie is broken (llama.cpp's argsort order) whenever the pair meets the top-k boundary.
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFWriter

import common
from make_tiny_models import CHATML, smollm2_tokenizer
from make_tiny_models import add_weight as add_weight_py

WEIGHT_STD = 0.08
EMBD_STD = 0.1
ROUTER_STD = 0.3
OUTPUT_NORM_GAIN = 12.0
TIE = (2, 5)  # layer 0: router row TIE[1] := row TIE[0]

# name -> (gguf arch, hyper-parameters, types). Types: attn = (q, k, v, o); exps = (gate/up, down).
BASE = dict(n_layer=2, n_embd=64, n_head=4, n_head_kv=2, head_dim=16, n_ff=96, n_ff_exp=32, n_expert=8,
            n_expert_used=2, vocab=8192, embd=T.Q8_0, attn=(T.Q8_0, T.Q4_0, T.F16, T.Q8_0),
            exps=(T.Q8_0, T.Q8_0), dense=(T.Q8_0, T.Q8_0))
Q4K = dict(n_embd=256, head_dim=64, n_ff=256, n_ff_exp=64, vocab=4096, embd=T.Q4_K, attn=(T.Q4_K, T.Q4_K, T.Q8_0, T.Q8_0),
           exps=(T.Q4_K, T.Q8_0), dense=(T.Q4_K, T.Q4_K))
MODELS = {
    "mixtral": ("llama", dict(seed=20261201)),
    "qwen2moe": ("qwen2moe", dict(seed=20261202, n_ff_shexp=64)),
    "qwen3moe": ("qwen3moe", dict(seed=20261203, n_expert=16, n_expert_used=4, head_dim=32)),
    "olmoe": ("olmoe", dict(seed=20261204, n_expert_used=3, n_head_kv=4)),  # llama.cpp: k_norm is [n_embd]
    "granitemoe": ("granitemoe", dict(seed=20261205)),
    # 4 layers: 0-2 chunked with RoPE, 3 global without RoPE; MoE every 2nd layer (1, 3), dense 0, 2.
    "llama4": ("llama4", dict(seed=20261206, n_layer=4, moe_step=2)),
    "mixtral-q4k": ("llama", dict(Q4K, seed=20261207)),
    "llama4-q4k": ("llama4", dict(Q4K, seed=20261208, n_layer=4, moe_step=1, n_expert_used=1, n_ff_exp=32,
                                  attn=(T.Q4_K, T.Q4_K, T.Q8_0, T.Q4_K))),
}


def ggml_quantize(arr, qtype):
    """K-quants through ggml's own quantizer (libggml-base of llama-cpp-python; the gguf package has no
    Q4_K quantizer): ggml_quantize_chunk over rows of arr.shape[-1] values."""
    import ctypes
    import llama_cpp
    lib = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.ggml_row_size.restype = ctypes.c_size_t
    lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
    src = np.ascontiguousarray(arr, dtype=np.float32)
    n_per_row = src.shape[-1]
    nrows = src.size // n_per_row
    row = lib.ggml_row_size(int(qtype), n_per_row)
    dst = np.zeros(nrows * row, dtype=np.uint8)
    n = lib.ggml_quantize_chunk(int(qtype), src.ctypes.data, dst.ctypes.data, 0, nrows, n_per_row, None)
    assert n == dst.size
    return dst.reshape(src.shape[:-1] + (row,))


def add_weight(w, name, arr, qtype):
    if qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        w.add_tensor(name, ggml_quantize(arr, qtype), raw_dtype=qtype)
    else:
        add_weight_py(w, name, arr, qtype)


def hparams(name):
    arch, over = MODELS[name]
    hp = dict(BASE)
    hp.update(over)
    return arch, hp


def path_of(name):
    return os.path.join(common.OUT, f"moe-{name}.gguf")


def write_model(name):
    arch, hp = hparams(name)
    rng = np.random.default_rng(hp["seed"])
    E, H, KV, D = hp["n_embd"], hp["n_head"], hp["n_head_kv"], hp["head_dim"]
    X, K, F, FE = hp["n_expert"], hp["n_expert_used"], hp["n_ff"], hp["n_ff_exp"]
    own_key = arch in ("qwen2moe", "qwen3moe", "llama4")  # expert_feed_forward_length; else n_ff is theirs
    if not own_key:
        F = FE
    if arch in ("qwen2moe", "olmoe"):
        assert H * D == E  # these take attn_q/attn_output as [n_embd, n_embd]
    path = path_of(name)
    w = GGUFWriter(path, arch)
    w.add_name(f"moe-{name} (random weights, hayloft test fixture)")
    w.add_context_length(2048)
    w.add_embedding_length(E)
    w.add_block_count(hp["n_layer"])
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(KV)
    w.add_key_length(D)
    w.add_value_length(D)
    w.add_rope_dimension_count(D)
    w.add_rope_freq_base(1e6 if arch.startswith("qwen") else 10000.0)
    w.add_layer_norm_rms_eps(1e-6 if arch.startswith("qwen") else 1e-5)
    w.add_expert_count(X)
    w.add_expert_used_count(K)
    if own_key:
        w.add_expert_feed_forward_length(FE)
    if arch == "qwen2moe":
        w.add_expert_shared_feed_forward_length(hp["n_ff_shexp"])
    if arch == "llama4":
        w.add_interleave_moe_layer_step(hp["moe_step"])
    if arch == "granitemoe":
        w.add_embedding_scale(6.0)
        w.add_residual_scale(0.5)
        w.add_attention_scale(0.2)
        w.add_logit_scale(4.0)
    n_vocab = hp["vocab"]
    tokens, types, merges = smollm2_tokenizer(n_vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_pad_token_id(2)
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML)

    normal = lambda shape, std: rng.standard_normal(shape).astype(np.float32) * std
    gain = lambda n, base: base + normal((n,), 0.1 * base)
    granite = arch == "granitemoe"
    embd_std = EMBD_STD / 6.0 if granite else EMBD_STD  # granite multiplies embeddings by 6
    add_weight(w, "token_embd.weight", normal((n_vocab, E), embd_std), hp["embd"])
    add_weight(w, "output_norm.weight", gain(E, OUTPUT_NORM_GAIN * (4.0 if granite else 1.0)), T.F32)
    if arch in ("qwen2moe", "olmoe"):  # llama.cpp requires a separate output for these
        add_weight(w, "output.weight", normal((n_vocab, E), EMBD_STD), hp["embd"])
    tq, tk, tv, to = hp["attn"]
    tg, td = hp["exps"]
    for i in range(hp["n_layer"]):
        p = f"blk.{i}."
        add_weight(w, p + "attn_norm.weight", gain(E, 1.0), T.F32)
        add_weight(w, p + "attn_q.weight", normal((H * D, E), WEIGHT_STD), tq)
        add_weight(w, p + "attn_k.weight", normal((KV * D, E), WEIGHT_STD), tk)
        add_weight(w, p + "attn_v.weight", normal((KV * D, E), WEIGHT_STD), tv)
        add_weight(w, p + "attn_output.weight", normal((E, H * D), WEIGHT_STD), to)
        if arch == "qwen2moe":
            for t, n in (("q", H * D), ("k", KV * D), ("v", KV * D)):
                add_weight(w, p + f"attn_{t}.bias", normal((n,), 0.5), T.F32)
        if arch == "qwen3moe":
            add_weight(w, p + "attn_q_norm.weight", gain(D, 1.0), T.F32)
            add_weight(w, p + "attn_k_norm.weight", gain(D, 1.0), T.F32)
        if arch == "olmoe":
            add_weight(w, p + "attn_q_norm.weight", gain(H * D, 1.0), T.F32)
            add_weight(w, p + "attn_k_norm.weight", gain(KV * D, 1.0), T.F32)
        add_weight(w, p + "ffn_norm.weight", gain(E, 1.0), T.F32)
        moe = arch != "llama4" or (i + 1) % hp["moe_step"] == 0
        if not moe:
            dg, dd = hp["dense"]
            add_weight(w, p + "ffn_gate.weight", normal((F, E), WEIGHT_STD), dg)
            add_weight(w, p + "ffn_up.weight", normal((F, E), WEIGHT_STD), dg)
            add_weight(w, p + "ffn_down.weight", normal((E, F), WEIGHT_STD), dd)
            continue
        router = normal((X, E), ROUTER_STD)
        if i == 0:
            router[TIE[1]] = router[TIE[0]]
        add_weight(w, p + "ffn_gate_inp.weight", router, T.F32)  # llama.cpp never quantizes the router
        # Experts: numpy [X, rows, cols] == GGUF [cols, rows, X]; larger std than dense weights so the
        # expert choice visibly moves the output.
        add_weight(w, p + "ffn_gate_exps.weight", normal((X, FE, E), 2 * WEIGHT_STD), tg)
        add_weight(w, p + "ffn_up_exps.weight", normal((X, FE, E), 2 * WEIGHT_STD), tg)
        add_weight(w, p + "ffn_down_exps.weight", normal((X, E, FE), 2 * WEIGHT_STD), td)
        if arch in ("qwen2moe", "llama4"):
            S = hp["n_ff_shexp"] if arch == "qwen2moe" else FE
            add_weight(w, p + "ffn_gate_shexp.weight", normal((S, E), WEIGHT_STD), tg)
            add_weight(w, p + "ffn_up_shexp.weight", normal((S, E), WEIGHT_STD), tg)
            add_weight(w, p + "ffn_down_shexp.weight", normal((E, S), WEIGHT_STD), td)
        if arch == "qwen2moe":
            add_weight(w, p + "ffn_gate_inp_shexp.weight", normal((E,), 0.3), T.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    size = os.path.getsize(path)
    assert size <= 2 * 1024 * 1024, f"{path}: {size} bytes > 2 MB"
    print(f"wrote {os.path.relpath(path, common.ROOT)} ({size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    for n in sys.argv[1:] or list(MODELS):
        write_model(n)
