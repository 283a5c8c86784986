#!/usr/bin/env python3
"""Dev tool: writes tests/data/engine/quant_blocks.json, random blocks of every GGUF weight type we
support together with the floats gguf-py (ggml's reference Python package) dequantizes them to, plus
two rows of one tensor per type from each model in models/ (real scales and quants as llama.cpp wrote
them). The engine tests check that our dequantize reproduces them bit for bit, which ties our block
layouts to ggml's rather than only to our own reading of them.

Run with the reference venv:  /work/cache/refenv/bin/python scripts/gen-quant-fixtures.py
"""
import json
import os

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf.quants import dequantize

# type -> byte offsets of fp16 scale fields inside one block (set to sane values so no NaN/inf appears).
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
BLOCKS = {T.F32: 64, T.F16: 64, T.BF16: 64}  # float types: 64 elements; quant types: 3 blocks


def random_blocks(rng, qtype, nblocks):
    block_elems, block_bytes = GGML_QUANT_SIZES[qtype]
    if qtype == T.F32:
        return rng.standard_normal(nblocks).astype(np.float32).view(np.uint8)
    if qtype in (T.F16, T.BF16):
        vals = (rng.standard_normal(nblocks) * rng.choice([1e-3, 1.0, 300.0], nblocks)).astype(np.float32)
        if qtype == T.F16:
            return vals.astype(np.float16).view(np.uint8)
        return (vals.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    raw = rng.integers(0, 256, size=(nblocks, block_bytes), dtype=np.uint8)
    for off in HALF_FIELDS[qtype]:
        # scales across the half range, both signs, including subnormal and the largest finite
        scales = rng.choice([6e-8, 6.1e-5, 1e-3, 0.02, 0.5, 3.0, 65504.0], nblocks).astype(np.float32)
        scales *= rng.choice([-1.0, 1.0], nblocks).astype(np.float32)
        raw[:, off:off + 2] = scales.astype(np.float16).view(np.uint8).reshape(nblocks, 2)
    return raw.reshape(-1)


MODELS = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]


def model_rows():
    """First two rows of the first tensor of each type in each model."""
    from gguf import GGUFReader
    rows = []
    models_dir = os.path.join(os.path.dirname(__file__), "..", "models")
    for fname in MODELS:
        reader = GGUFReader(os.path.join(models_dir, fname))
        seen = set()
        for t in reader.tensors:
            if t.tensor_type in seen or len(t.data.shape) < 2:
                continue
            seen.add(t.tensor_type)
            raw = np.ascontiguousarray(t.data[:2]).view(np.uint8).reshape(-1)
            values = dequantize(raw.reshape(1, -1), t.tensor_type).reshape(-1).astype(np.float32)
            rows.append({
                "model": fname, "tensor": t.name, "type": int(t.tensor_type), "name": t.tensor_type.name,
                "n": int(values.size), "blocks_hex": raw.tobytes().hex(),
                "values_bits": [int(v) for v in values.view(np.uint32)],
            })
    return rows


def main():
    rng = np.random.default_rng(20251123)
    out = {"generator": "scripts/gen-quant-fixtures.py (gguf-py dequantize)", "types": []}
    for qtype in [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q4_K, T.Q5_K, T.Q6_K]:
        block_elems, _ = GGML_QUANT_SIZES[qtype]
        nblocks = BLOCKS.get(qtype, 3)
        raw = random_blocks(rng, qtype, nblocks)
        values = dequantize(raw.reshape(1, -1), qtype).reshape(-1).astype(np.float32)
        assert values.size == nblocks * block_elems, (qtype.name, values.size)
        out["types"].append({
            "type": int(qtype), "name": qtype.name, "n": int(values.size),
            "blocks_hex": raw.tobytes().hex(),
            "values_bits": [int(v) for v in values.view(np.uint32)],  # exact float32 bit patterns
        })
    out["model_rows"] = model_rows()
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "engine", "quant_blocks.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
