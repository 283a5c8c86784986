"""llama.cpp's intermediate tensors through its graph eval callback (ggml_backend_sched_eval_callback), for
numerics investigations (dev tooling only). run(name, ids, want) evaluates ids in one batch with the
fixture settings of make_logits_fixtures.py and returns {tensor name: float32 array}, e.g. "l_out-<il>"
(the residual stream after layer il, [n_tokens, n_embd]), and the logits [n_tokens, n_vocab]. Asking for
tensors does not change the numbers: the logits equal logits_<model>_p<k>.bin to its f16 step.
"""
import ctypes

import llama_cpp
import llama_cpp.llama_cpp as lc
import numpy as np

import common


class Tensor(ctypes.Structure):
    """struct ggml_tensor of the vendored ggml (GGML_MAX_DIMS 4, GGML_MAX_OP_PARAMS 64, GGML_MAX_SRC 10,
    GGML_MAX_NAME 64)."""
    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p), ("ne", ctypes.c_int64 * 4),
                ("nb", ctypes.c_size_t * 4), ("op", ctypes.c_int), ("op_params", ctypes.c_int32 * 16),
                ("flags", ctypes.c_int32), ("src", ctypes.c_void_p * 10), ("view_src", ctypes.c_void_p),
                ("view_offs", ctypes.c_size_t), ("data", ctypes.c_void_p), ("name", ctypes.c_char * 64),
                ("extra", ctypes.c_void_p), ("padding", ctypes.c_char * 8)]

def _read(tt):
    """The tensor's f32 data as a numpy array, outer dimensions first, leading 1s dropped."""
    ne = [tt.ne[i] for i in range(4)][::-1]
    nb = [tt.nb[i] for i in range(4)][::-1]
    span = sum((n - 1) * b for n, b in zip(ne, nb)) + 4
    raw = np.ctypeslib.as_array(ctypes.cast(tt.data, ctypes.POINTER(ctypes.c_uint8)), shape=(span,))
    a = np.lib.stride_tricks.as_strided(raw, shape=tuple(ne) + (4,), strides=tuple(nb) + (1,))
    a = a.copy().view(np.float32)[..., 0]
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    return a


def run(name, ids, want=("l_out",)):
    """want: tensor name stems (the part before '-<layer>'); only f32 tensors are read."""
    got = {}

    def cb(t, ask, _user):
        tt = ctypes.cast(t, ctypes.POINTER(Tensor)).contents
        nm = tt.name.decode()
        if ask:
            return nm.split("-")[0] in want
        if nm.split("-")[0] in want and tt.type == 0:
            got[nm] = _read(tt)
        return True

    cfun = lc.ggml_backend_sched_eval_callback(cb)
    orig = lc.llama_context_default_params

    def patched():  # Llama() takes no callback argument: hand it through the default params
        p = orig()
        p.cb_eval = cfun
        p.cb_eval_user_data = None
        return p

    lc.llama_context_default_params = patched
    try:
        common.quiet_llama()
        llm = llama_cpp.Llama(common.MODEL_FILES[name], verbose=False, n_ctx=512, n_threads=2, n_batch=512,
                              n_ubatch=512, seed=0, logits_all=True)
    finally:
        lc.llama_context_default_params = orig
    llm.reset()
    llm.eval(ids)
    return got, np.array(llm.scores[:len(ids)], dtype=np.float64)
