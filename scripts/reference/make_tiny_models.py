"""Writes tests/data/engine/tiny-qwen2.gguf and tiny-qwen3.gguf: seeded random weights, real tokenizer.

Tokenizer: SmolLM2's byte-level BPE truncated to its first N_VOCAB tokens (ids 0..16 special, 17..251
base bytes, then one token per merge in merge order, so keeping the merges whose parts and result are
< N_VOCAB gives a complete, consistent BPE), with tokenizer.ggml.pre = "qwen2" and a ChatML template.
The full 49152-token vocab does not fit the 2 MB budget: its tokens+merges metadata alone is ~1.8 MB.

Weights use a mix of GGML types per tensor (see LAYER_TYPES) so one forward pass exercises F32, F16,
Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 kernels. Scales are chosen so logits are peaked (see OUTPUT_NORM_GAIN).
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, GGUFWriter, quants

import common

N_VOCAB = 8192
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
          "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
          "{% endif %}")
WEIGHT_STD = 0.08       # linear weights: fan-in 64..128, so activations keep O(1) scale
EMBD_STD = 0.1          # token_embd rows: |row| ~ 0.8
OUTPUT_NORM_GAIN = 12.0  # output_norm ~ 12: logit std ~ 9, so greedy picks are clear, not near-ties
BIAS_STD = 0.5          # qwen2 q/k/v biases big enough that skipping them changes the logits

HPARAMS = {
    # head_dim == n_embd / n_head for qwen2; qwen3 sets key_length 32 != 64/4 like real Qwen3 models.
    "qwen2": dict(n_layer=2, n_embd=64, n_head=4, n_head_kv=2, head_dim=16, n_ff=128, seed=20260601),
    "qwen3": dict(n_layer=2, n_embd=64, n_head=4, n_head_kv=2, head_dim=32, n_ff=128, seed=20260602),
}
# Per layer: GGML type of q, k, v, o, gate, up, down (norms and biases are always F32).
LAYER_TYPES = {
    "qwen2": [(T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.F16, T.Q4_0),
              (T.Q5_1, T.Q8_0, T.F16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1)],
    "qwen3": [(T.Q8_0, T.Q5_0, T.Q4_1, T.F16, T.Q5_1, T.Q4_0, T.Q8_0),
              (T.F16, T.Q4_0, T.Q5_1, T.Q8_0, T.Q5_0, T.Q4_1, T.F32)],
}
# token_embd type and output type (None = tied to token_embd).
EMBD_TYPES = {"qwen2": (T.Q8_0, None), "qwen3": (T.F16, T.Q5_0)}


def smollm2_tokenizer(n_vocab):
    r = GGUFReader(common.MODEL_FILES["smollm2"])
    f = r.fields
    strs = lambda k: [bytes(f[k].parts[i]).decode("utf-8") for i in f[k].data]
    tokens = strs("tokenizer.ggml.tokens")
    types = [int(f["tokenizer.ggml.token_type"].parts[i][0]) for i in f["tokenizer.ggml.token_type"].data]
    idx = {t: i for i, t in enumerate(tokens)}
    merges = []
    for m in strs("tokenizer.ggml.merges"):
        a, b = m.split(" ", 1)
        if max(idx.get(a, n_vocab), idx.get(b, n_vocab), idx.get(a + b, n_vocab)) < n_vocab:
            merges.append(m)
    return tokens[:n_vocab], types[:n_vocab], merges


def add_weight(w, name, arr, qtype):
    """arr is numpy [rows, cols] == GGUF ne [cols, rows]; quantized along rows of `cols` values."""
    arr = arr.astype(np.float32)
    if qtype == T.F32:
        w.add_tensor(name, arr)
    elif qtype == T.F16:
        w.add_tensor(name, arr.astype(np.float16))
    else:
        w.add_tensor(name, quants.quantize(arr, qtype), raw_dtype=qtype)


def write_model(arch):
    hp = HPARAMS[arch]
    rng = np.random.default_rng(hp["seed"])
    E, H, KV, D, F = hp["n_embd"], hp["n_head"], hp["n_head_kv"], hp["head_dim"], hp["n_ff"]
    path = common.MODEL_FILES[f"tiny-{arch}"]
    w = GGUFWriter(path, arch)
    w.add_name(f"tiny-{arch} (random weights, hayloft test fixture)")
    w.add_context_length(2048)
    w.add_embedding_length(E)
    w.add_block_count(hp["n_layer"])
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(KV)
    w.add_key_length(D)
    w.add_value_length(D)
    w.add_rope_dimension_count(D)
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    tokens, types, merges = smollm2_tokenizer(N_VOCAB)
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
    embd_t, out_t = EMBD_TYPES[arch]
    add_weight(w, "token_embd.weight", normal((N_VOCAB, E), EMBD_STD), embd_t)
    add_weight(w, "output_norm.weight", gain(E, OUTPUT_NORM_GAIN), T.F32)
    if out_t is not None:
        add_weight(w, "output.weight", normal((N_VOCAB, E), EMBD_STD), out_t)
    for i, (tq, tk, tv, to, tg, tu, td) in enumerate(LAYER_TYPES[arch]):
        p = f"blk.{i}."
        add_weight(w, p + "attn_norm.weight", gain(E, 1.0), T.F32)
        add_weight(w, p + "attn_q.weight", normal((H * D, E), WEIGHT_STD), tq)
        add_weight(w, p + "attn_k.weight", normal((KV * D, E), WEIGHT_STD), tk)
        add_weight(w, p + "attn_v.weight", normal((KV * D, E), WEIGHT_STD), tv)
        if arch == "qwen2":
            add_weight(w, p + "attn_q.bias", normal((H * D,), BIAS_STD), T.F32)
            add_weight(w, p + "attn_k.bias", normal((KV * D,), BIAS_STD), T.F32)
            add_weight(w, p + "attn_v.bias", normal((KV * D,), BIAS_STD), T.F32)
        else:
            add_weight(w, p + "attn_q_norm.weight", gain(D, 1.0), T.F32)
            add_weight(w, p + "attn_k_norm.weight", gain(D, 1.0), T.F32)
        add_weight(w, p + "attn_output.weight", normal((E, H * D), WEIGHT_STD), to)
        add_weight(w, p + "ffn_norm.weight", gain(E, 1.0), T.F32)
        add_weight(w, p + "ffn_gate.weight", normal((F, E), WEIGHT_STD), tg)
        add_weight(w, p + "ffn_up.weight", normal((F, E), WEIGHT_STD), tu)
        add_weight(w, p + "ffn_down.weight", normal((E, F), WEIGHT_STD), td)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {os.path.relpath(path, common.ROOT)} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    for arch in sys.argv[1:] or ["qwen2", "qwen3"]:
        write_model(arch)
