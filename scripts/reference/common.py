"""Shared helpers for the reference-fixture generators (dev tooling only, never on the product path).

Every generator is deterministic: fixed seeds, sorted JSON keys, no timestamps.
"""
import ctypes
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.environ.get("HAYLOFT_MODELS_DIR", os.path.join(ROOT, "models"))
OUT = os.path.join(ROOT, "tests", "data", "engine")

# name -> GGUF path; tiny models are produced by make_tiny_models.py into OUT.
MODEL_FILES = {
    "smollm2": os.path.join(MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"),
    "gemma3": os.path.join(MODELS, "gemma-3-270m-q4_k_m.gguf"),
    "tiny-qwen2": os.path.join(OUT, "tiny-qwen2.gguf"),
    "tiny-qwen3": os.path.join(OUT, "tiny-qwen3.gguf"),
}


def versions():
    import gguf  # noqa: F401
    import importlib.metadata as md
    import llama_cpp
    import numpy
    out = {"llama_cpp_python": llama_cpp.__version__, "numpy": numpy.__version__,
           "gguf": md.version("gguf"), "python": sys.version.split()[0]}
    try:
        import tokenizers
        out["tokenizers"] = tokenizers.__version__
    except ImportError:
        pass
    try:
        import jinja2
        out["jinja2"] = jinja2.__version__
    except ImportError:
        pass
    return out


def write_json(path, obj):
    """Writes stable JSON (sorted keys, one trailing newline) so reruns are byte-identical."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)", file=sys.stderr)


def piece_bytes(vocab, token, special=True):
    """Exact bytes of one token's piece as llama.cpp renders it (llama_token_to_piece, lstrip 0).

    The binding's LlamaModel.token_to_piece returns the whole 32-byte buffer, so call the C API.
    """
    import llama_cpp
    size = 256
    while True:
        buf = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buf, size, 0, special)
        if n >= 0:
            return buf.raw[:n]
        size = -n


def quiet_llama():
    """Silences llama.cpp's stderr logging (kept out of generator output)."""
    import llama_cpp
    cb = llama_cpp.llama_log_callback(lambda level, text, user: None)
    llama_cpp.llama_log_set(cb, ctypes.c_void_p(0))
    quiet_llama.keep = cb  # keep the ctypes callback alive


def render_chat(template, messages, add_generation_prompt, bos_token="", eos_token=""):
    """Renders a GGUF tokenizer.chat_template the way HF transformers' apply_chat_template does
    (sandboxed jinja2, trim_blocks + lstrip_blocks, bos_token/eos_token variables)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                            bos_token=bos_token, eos_token=eos_token)


def display_path(name):
    """Stable path recorded in fixtures, independent of HAYLOFT_MODELS_DIR."""
    base = os.path.basename(MODEL_FILES[name])
    return f"tests/data/engine/{base}" if name.startswith("tiny-") else f"models/{base}"
