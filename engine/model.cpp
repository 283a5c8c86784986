// Model loading: metadata -> Hparams, tensor infos -> checked Weight views, and the ModelInfo summary.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "engine/model_impl.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace hayloft::engine {

namespace {

// ggml type names for messages about types we do not run (ops::type_info knows only supported ones).
std::string ggml_type_name(uint32_t id) {
  if (const ops::TypeInfo* t = ops::type_info(id)) return t->name;
  static const std::map<uint32_t, const char*> kNames = {
      {10, "q2_K"}, {11, "q3_K"}, {16, "iq2_xxs"}, {17, "iq2_xs"}, {18, "iq3_xxs"}, {19, "iq1_s"},
      {20, "iq4_nl"}, {21, "iq3_s"}, {22, "iq2_s"}, {23, "iq4_xs"}, {24, "i8"}, {25, "i16"},
      {26, "i32"}, {27, "i64"}, {28, "f64"}, {29, "iq1_m"}, {34, "tq1_0"}, {35, "tq2_0"},
      {39, "mxfp4"}};
  auto it = kNames.find(id);
  return it != kNames.end() ? it->second : "type id " + std::to_string(id);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Finds tensors, checking name, type and shape; optional ones may be absent (returns false).
class Binder {
 public:
  explicit Binder(const GgufFile& f) : f_(f) {}

  bool matrix(const std::string& name, int64_t cols, int64_t rows, Weight& w, bool required = true) {
    const GgufTensorInfo* t = find(name, required);
    if (!t) return false;
    check_shape(*t, {cols, rows});
    bind(*t, cols, rows, w);
    return true;
  }

  bool has(const std::string& name) const { return f_.find_tensor(name) != nullptr; }

 private:
  void bind(const GgufTensorInfo& tensor, int64_t cols, int64_t rows, Weight& w) {
    const GgufTensorInfo* t = &tensor;
    const std::string& name = t->name;
    const ops::TypeInfo* info = ops::type_info(t->type);
    if (!info) {
      throw Error(ErrorKind::kUnsupported, "tensor type " + ggml_type_name(t->type) + " is not supported",
                  "tensor '" + name + "'");
    }
    if (cols % info->block_elems != 0) {
      throw Error(ErrorKind::kCorrupt,
                  "row of " + std::to_string(cols) + " elements is not a multiple of the " + info->name +
                      " block (" + std::to_string(info->block_elems) + ")",
                  "tensor '" + name + "'");
    }
    w.type = static_cast<ops::TensorType>(t->type);
    w.cols = cols;
    w.rows = rows;
    w.row_bytes = ops::row_bytes(w.type, cols);
    w.data = t->data.data();
    w.kern = &ops::kernels(w.type);
    check_bytes(*t, w.row_bytes * static_cast<size_t>(rows));
  }

 public:
  // A 3-D stack of n_expert matrices [n_expert][rows][cols] (GGUF shape [cols, rows, n_expert]), viewed as
  // one matrix of n_expert * rows rows.
  void experts(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert, Weight& w) {
    const GgufTensorInfo* t = find(name, true);
    check_shape(*t, {cols, rows, n_expert});
    bind(*t, cols, rows * n_expert, w);
  }

  // A 1-D f32/f16 vector, converted to f32 (norm weights and biases are tiny).
  bool vector(const std::string& name, int64_t n, std::vector<float>& out, bool required = true) {
    const GgufTensorInfo* t = find(name, required);
    if (!t) return false;
    check_shape(*t, {n});
    out.resize(static_cast<size_t>(n));
    const auto type = static_cast<ops::TensorType>(t->type);
    if (type == ops::TensorType::kF32) {
      check_bytes(*t, static_cast<size_t>(n) * 4);
      std::copy_n(reinterpret_cast<const float*>(t->data.data()), n, out.data());
    } else if (type == ops::TensorType::kF16) {
      check_bytes(*t, static_cast<size_t>(n) * 2);
      ops::kernels(type).dequantize(t->data.data(), out.data(), n);
    } else {
      throw Error(ErrorKind::kUnsupported,
                  "tensor type " + ggml_type_name(t->type) + " is not supported for a vector (f32 or f16)",
                  "tensor '" + name + "'");
    }
    return true;
  }

 private:
  const GgufTensorInfo* find(const std::string& name, bool required) {
    const GgufTensorInfo* t = f_.find_tensor(name);
    if (!t && required) throw Error(ErrorKind::kCorrupt, "missing tensor '" + name + "'");
    return t;
  }
  static void check_shape(const GgufTensorInfo& t, const std::vector<int64_t>& expected) {
    std::vector<int64_t> actual = t.shape;
    while (actual.size() > expected.size() && actual.back() == 1) actual.pop_back();
    // A [n, 1] matrix may be stored as the vector [n] (qwen2moe's ffn_gate_inp_shexp).
    if (actual.size() + 1 == expected.size() && expected.back() == 1) actual.push_back(1);
    if (actual != expected) {
      throw Error(ErrorKind::kCorrupt,
                  "expected shape " + shape_text(expected) + ", got " + shape_text(t.shape),
                  "tensor '" + t.name + "'");
    }
  }
  static void check_bytes(const GgufTensorInfo& t, size_t expected) {
    if (t.data.size() < expected) {
      throw Error(ErrorKind::kCorrupt,
                  "expected " + std::to_string(expected) + " bytes, got " + std::to_string(t.data.size()),
                  "tensor '" + t.name + "'");
    }
  }
  const GgufFile& f_;
};

void read_hparams(const GgufFile& f, const ArchSpec& spec, Hparams& hp) {
  const std::string a = std::string(spec.name) + ".";
  hp.n_embd = f.get_int(a + "embedding_length");
  hp.n_layer = f.get_int(a + "block_count");
  hp.n_ff = f.get_int(a + "feed_forward_length");
  hp.n_head = f.get_int(a + "attention.head_count");
  hp.n_head_kv = f.find_int(a + "attention.head_count_kv").value_or(hp.n_head);
  hp.n_ctx_train = f.find_int(a + "context_length").value_or(2048);
  if (hp.n_embd <= 0 || hp.n_layer <= 0 || hp.n_ff <= 0 || hp.n_head <= 0 || hp.n_head_kv <= 0 ||
      hp.n_head % hp.n_head_kv != 0 || hp.n_layer > 4096 || hp.n_embd > (1 << 20)) {
    throw Error(ErrorKind::kCorrupt, "inconsistent hyper-parameters (embedding " +
                                         std::to_string(hp.n_embd) + ", layers " + std::to_string(hp.n_layer) +
                                         ", heads " + std::to_string(hp.n_head) + "/" +
                                         std::to_string(hp.n_head_kv) + ")");
  }
  hp.head_dim = f.find_int(a + "attention.key_length").value_or(hp.n_embd / hp.n_head);
  const int64_t v_dim = f.find_int(a + "attention.value_length").value_or(hp.head_dim);
  if (v_dim != hp.head_dim) {
    throw Error(ErrorKind::kUnsupported, "value head size " + std::to_string(v_dim) +
                                             " differs from key head size " + std::to_string(hp.head_dim));
  }
  hp.eps = static_cast<float>(f.find_float(a + "attention.layer_norm_rms_epsilon").value_or(1e-5));
  hp.rope_base = static_cast<float>(f.find_float(a + "rope.freq_base").value_or(10000.0));
  hp.rope_base_local = spec.swa_rope_base > 0 ? spec.swa_rope_base : hp.rope_base;
  hp.n_rot = static_cast<int>(f.find_int(a + "rope.dimension_count").value_or(hp.head_dim));
  if (hp.n_rot <= 0 || hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0) {
    throw Error(ErrorKind::kCorrupt, "rope.dimension_count " + std::to_string(hp.n_rot) +
                                         " does not fit head size " + std::to_string(hp.head_dim));
  }
  // RoPE scaling: linear divides positions by the factor; YaRN/LongRoPE are not built.
  const std::string scaling = f.find_string(a + "rope.scaling.type").value_or("none");
  const double factor = f.find_float(a + "rope.scaling.factor").value_or(1.0);
  if (scaling == "linear" && factor > 0) {
    hp.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling != "none" && !(factor == 1.0)) {
    throw Error(ErrorKind::kUnsupported, "RoPE scaling '" + scaling + "' is not supported (linear only)");
  }
  hp.sliding_window = f.find_int(a + "attention.sliding_window").value_or(0);
  const auto pre_attn = f.find_float(a + "attention.query_pre_attn_scalar");
  hp.attn_scale = static_cast<float>(1.0 / std::sqrt(pre_attn ? *pre_attn : static_cast<double>(hp.head_dim)));
  hp.attn_softcap = static_cast<float>(f.find_float(a + "attn_logit_softcapping").value_or(0.0));
  hp.final_softcap = static_cast<float>(f.find_float(a + "final_logit_softcapping").value_or(0.0));
  if (spec.granite_scales) {
    hp.embedding_scale = static_cast<float>(f.find_float(a + "embedding_scale").value_or(0.0));
    hp.residual_scale = static_cast<float>(f.find_float(a + "residual_scale").value_or(0.0));
    hp.logit_scale = static_cast<float>(f.get_float(a + "logit_scale"));  // llama.cpp requires it
  }
  if (spec.granite_scales || spec.arch == Arch::kLlama4) {
    // attention.scale replaces 1/sqrt(head_dim) when set (granite; llama4 reads it too).
    if (const auto s = f.find_float(a + "attention.scale"); s && *s != 0.0) hp.attn_scale = static_cast<float>(*s);
  }
  if (spec.arch == Arch::kLlama4) {
    // llama.cpp: attention.sliding_window = 0 means no chunking (and RoPE on every layer); otherwise the
    // chunk is 8192 whatever the file says, with temperature tuning on the RoPE-less global layers.
    const auto window = f.find_int(a + "attention.sliding_window");
    hp.sliding_window = 0;
    if (!(window && *window == 0)) {
      hp.attn_chunk = spec.attn_chunk;
      hp.sliding_window = spec.attn_chunk;  // sizes the rings of chunked layers (a chunk fits in one window)
      hp.attn_temp_floor = 8192;
      hp.attn_temp_scale = 0.1f;
      hp.attn_temp_offset = 1.0f;
      hp.rope_base_local = static_cast<float>(f.find_float(a + "rope.freq_base_swa").value_or(hp.rope_base));
    }
  }
}

// Mixture-of-experts hyper-parameters: required keys are named when missing; variants this engine does
// not build (expert groups, leading dense blocks, other gating functions) are refused naming their key.
void read_moe_hparams(const GgufFile& f, const ArchSpec& spec, Hparams& hp) {
  const std::string a = std::string(spec.name) + ".";
  hp.n_expert = f.find_int(a + "expert_count").value_or(0);
  if (hp.n_expert <= 0) {
    if (spec.moe) {
      throw Error(ErrorKind::kCorrupt, "architecture '" + std::string(spec.name) + "' needs key '" + a +
                                           "expert_count' > 0 (a mixture-of-experts model)");
    }
    return;
  }
  const auto used = f.find_int(a + "expert_used_count");
  if (!used) throw Error(ErrorKind::kCorrupt, "missing key '" + a + "expert_used_count'");
  hp.n_expert_used = *used;
  if (hp.n_expert_used <= 0 || hp.n_expert_used > hp.n_expert || hp.n_expert > 4096 ||
      hp.n_expert_used > kMaxExpertsUsed) {
    throw Error(ErrorKind::kUnsupported, "expert_used_count " + std::to_string(hp.n_expert_used) + " of " +
                                             std::to_string(hp.n_expert) + " experts (at most " +
                                             std::to_string(kMaxExpertsUsed) + " used are supported)",
                "key '" + a + "expert_used_count'");
  }
  hp.n_ff_exp = hp.n_ff;
  if (spec.expert_ff_key) {
    if (spec.arch == Arch::kLlama4) {
      hp.n_ff_exp = f.get_int(a + "expert_feed_forward_length");
    } else {
      // Without the key: n_ff / n_expert_used, as llama.cpp does for qwen2moe and qwen3moe.
      hp.n_ff_exp = f.find_int(a + "expert_feed_forward_length").value_or(hp.n_ff / hp.n_expert_used);
    }
  }
  if (spec.shared == SharedExpert::kSigmoidGated) {
    hp.n_ff_shexp = f.find_int(a + "expert_shared_feed_forward_length").value_or(hp.n_ff);
  } else if (spec.arch == Arch::kLlama4) {
    hp.n_ff_shexp = hp.n_ff_exp;
  } else if (spec.shared == SharedExpert::kPlain) {
    hp.n_ff_shexp = f.find_int(a + "expert_shared_feed_forward_length").value_or(0);
  }
  hp.qk_l2_norm = spec.qk_norm == QkNorm::kL2AfterRope && hp.n_expert != 128;  // llama.cpp: not Maverick
  hp.expert_weights_scale = static_cast<float>(f.find_float(a + "expert_weights_scale").value_or(0.0));
  if (hp.n_ff_exp <= 0 || hp.n_ff_exp > (1 << 20)) {
    throw Error(ErrorKind::kCorrupt, "expert feed-forward length " + std::to_string(hp.n_ff_exp));
  }
  // Keys of MoE variants llama.cpp builds for other architectures; refused rather than ignored.
  for (const char* key : {"expert_group_count", "leading_dense_block_count", "expert_shared_count"}) {
    if (const auto v = f.find_int(a + key); v && *v > (std::string(key) == "expert_shared_count" ? 1 : 0)) {
      throw Error(ErrorKind::kUnsupported, "mixture-of-experts variant not supported",
                  "key '" + a + key + "' = " + std::to_string(*v));
    }
  }
  if (const auto g = f.find_int(a + "expert_gating_func")) {
    const int64_t want = spec.gating == MoeGating::kSoftmax ? 1 : 2;  // llama.cpp's enum: 1 softmax, 2 sigmoid
    if (*g != want) {
      throw Error(ErrorKind::kUnsupported, "expert gating function " + std::to_string(*g) + " is not '" +
                                               std::string(spec.name) + "''s own",
                  "key '" + a + "expert_gating_func'");
    }
  }
}

// Which layers slide: metadata pattern if present (int period or per-layer bools), else the spec's.
std::vector<bool> sliding_layers(const GgufFile& f, const ArchSpec& spec, const Hparams& hp) {
  std::vector<bool> out(static_cast<size_t>(hp.n_layer), false);
  if (hp.sliding_window <= 0) return out;
  const std::string key = std::string(spec.name) + ".attention.sliding_window_pattern";
  int64_t period = spec.swa_period;
  if (const GgufValue* v = f.find(key)) {
    if (v->type == GgufValueType::kArray) {
      std::vector<int64_t> flags = f.get_int_array(key);
      for (size_t i = 0; i < out.size() && i < flags.size(); ++i) out[i] = flags[i] != 0;
      return out;
    }
    period = f.get_int(key);
  }
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    out[static_cast<size_t>(il)] = period <= 0 || il % period < period - 1;
  }
  return out;
}

// The FFN kind of layer il: MoE on every layer of a MoE model, except llama4's dense layers between its
// every interleave_moe_layer_step-th MoE layer.
FfnKind ffn_kind(const GgufFile& f, const ArchSpec& spec, const Hparams& hp, int64_t il) {
  if (hp.n_expert <= 0) return FfnKind::kDense;
  if (spec.moe_interleave) {
    const int64_t step = f.get_int(std::string(spec.name) + ".interleave_moe_layer_step");
    return step > 0 && (il + 1) % step == 0 ? FfnKind::kMoe : FfnKind::kDense;
  }
  return FfnKind::kMoe;
}

void bind_moe(Binder& b, const ArchSpec& spec, const Hparams& hp, const std::string& p, LayerWeights& L) {
  const int64_t E = hp.n_embd, X = hp.n_expert, F = hp.n_ff_exp;
  if (!b.has(p + "ffn_gate_exps.weight") && b.has(p + "ffn_gate.0.weight")) {
    throw Error(ErrorKind::kUnsupported, "experts stored as separate tensors (ffn_gate.<e>.weight, an old "
                                         "Mixtral conversion); reconvert the model with merged *_exps tensors",
                "tensor '" + p + "ffn_gate.0.weight'");
  }
  b.matrix(p + "ffn_gate_inp.weight", E, X, L.gate_inp);
  b.experts(p + "ffn_gate_exps.weight", E, F, X, L.gate_exps);
  b.experts(p + "ffn_up_exps.weight", E, F, X, L.up_exps);
  b.experts(p + "ffn_down_exps.weight", F, E, X, L.down_exps);
  if (spec.shared != SharedExpert::kNone && hp.n_ff_shexp > 0) {
    const int64_t S = hp.n_ff_shexp;
    b.matrix(p + "ffn_gate_shexp.weight", E, S, L.gate_shexp);
    b.matrix(p + "ffn_up_shexp.weight", E, S, L.up_shexp);
    b.matrix(p + "ffn_down_shexp.weight", S, E, L.down_shexp);
    if (spec.shared == SharedExpert::kSigmoidGated) b.matrix(p + "ffn_gate_inp_shexp.weight", E, 1, L.gate_inp_shexp);
    L.has_shexp = true;
  }
}

void bind_layers(const GgufFile& f, const ArchSpec& spec, Model::Impl& m) {
  Binder b(f);
  const Hparams& hp = m.hp;
  const std::vector<bool> sliding = sliding_layers(f, spec, hp);
  m.layers.resize(static_cast<size_t>(hp.n_layer));
  if (b.has("rope_freqs.weight") || b.has("blk.0.rope_freqs.weight")) {
    throw Error(ErrorKind::kUnsupported, "RoPE frequency factors (Llama 3 style scaling) are not supported",
                "tensor 'rope_freqs.weight'");
  }
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    LayerWeights& L = m.layers[static_cast<size_t>(il)];
    const std::string p = "blk." + std::to_string(il) + ".";
    b.vector(p + "attn_norm.weight", hp.n_embd, L.attn_norm);
    b.matrix(p + "attn_q.weight", hp.n_embd, hp.q_dim(), L.wq);
    b.matrix(p + "attn_k.weight", hp.n_embd, hp.kv_dim(), L.wk);
    b.matrix(p + "attn_v.weight", hp.n_embd, hp.kv_dim(), L.wv);
    b.matrix(p + "attn_output.weight", hp.q_dim(), hp.n_embd, L.wo);
    if (spec.qkv_bias) {
      b.vector(p + "attn_q.bias", hp.q_dim(), L.bq);
      b.vector(p + "attn_k.bias", hp.kv_dim(), L.bk);
      b.vector(p + "attn_v.bias", hp.kv_dim(), L.bv);
    }
    if (b.has(p + "attn_output.bias")) {
      throw Error(ErrorKind::kUnsupported, "attention output bias is not supported", "tensor '" + p + "attn_output.bias'");
    }
    if (spec.qk_norm == QkNorm::kPerHead) {
      b.vector(p + "attn_q_norm.weight", hp.head_dim, L.q_norm);
      b.vector(p + "attn_k_norm.weight", hp.head_dim, L.k_norm);
    } else if (spec.qk_norm == QkNorm::kFullWidth) {
      b.vector(p + "attn_q_norm.weight", hp.q_dim(), L.q_norm);
      b.vector(p + "attn_k_norm.weight", hp.kv_dim(), L.k_norm);
    }
    if (spec.post_norms) {
      b.vector(p + "post_attention_norm.weight", hp.n_embd, L.post_attn_norm);
      b.vector(p + "post_ffw_norm.weight", hp.n_embd, L.post_ffn_norm);
    }
    b.vector(p + "ffn_norm.weight", hp.n_embd, L.ffn_norm);
    L.ffn = ffn_kind(f, spec, hp, il);
    switch (L.ffn) {
      case FfnKind::kDense:
        b.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff, L.gate);
        b.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff, L.up);
        b.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd, L.down);
        break;
      case FfnKind::kMoe:
        bind_moe(b, spec, hp, p, L);
        break;
    }
    L.sliding = sliding[static_cast<size_t>(il)];
    // llama4: no RoPE on every no_rope_every-th layer.
    // (llama.cpp sets that step to n_layer then, which leaves the last layer without RoPE; so do we.)
    if (spec.no_rope_every > 0) {
      const int64_t step = hp.attn_chunk > 0 ? spec.no_rope_every : hp.n_layer;
      L.rope = (il + 1) % step != 0;
    }
  }
}

void fill_info(const GgufFile& f, const ArchSpec& spec, Model::Impl& m) {
  ModelInfo& info = m.info;
  const Hparams& hp = m.hp;
  info.path = f.path();
  info.name = f.find_string("general.name").value_or(std::filesystem::path(f.path()).stem().string());
  info.architecture = std::string(spec.name);
  info.file_bytes = static_cast<int64_t>(f.file_size());
  std::map<std::string, QuantShare> shares;
  for (const auto& t : f.tensors()) {
    const int64_t n = t.elements();
    info.parameters += n;
    QuantShare& s = shares[ggml_type_name(t.type)];
    s.type = ggml_type_name(t.type);
    s.tensors += 1;
    s.elements += n;
    s.bytes += static_cast<int64_t>(t.data.size());
  }
  for (auto& [name, s] : shares) info.quant_types.push_back(s);
  std::sort(info.quant_types.begin(), info.quant_types.end(),
            [](const QuantShare& a, const QuantShare& b) { return a.bytes > b.bytes; });
  // The label llama.cpp's quantizer recorded (general.file_type, e.g. Q4_K_M), else the weight type that
  // holds the most bytes (for Gemma's Q4_K_M that would be q8_0, its huge tied embedding).
  static const std::map<int64_t, const char*> kFileTypes = {
      {0, "F32"}, {1, "F16"}, {2, "Q4_0"}, {3, "Q4_1"}, {7, "Q8_0"}, {8, "Q5_0"}, {9, "Q5_1"},
      {10, "Q2_K"}, {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"},
      {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"}, {32, "BF16"}};
  const auto file_type = f.find_int("general.file_type");
  if (auto it = file_type ? kFileTypes.find(*file_type) : kFileTypes.end(); it != kFileTypes.end()) {
    info.quantization = it->second;
  } else if (!info.quant_types.empty()) {
    info.quantization = info.quant_types.front().type;
  }
  info.context_length = hp.n_ctx_train;
  info.n_layer = hp.n_layer;
  info.n_embd = hp.n_embd;
  info.n_head = hp.n_head;
  info.n_head_kv = hp.n_head_kv;
  info.head_dim = hp.head_dim;
  info.n_ff = hp.n_ff;
  info.vocab = hp.vocab;
  info.sliding_window = hp.sliding_window;
  info.n_expert = hp.n_expert;
  info.n_expert_used = hp.n_expert_used;
  for (const auto& L : m.layers) info.n_moe_layers += L.ffn == FfnKind::kMoe ? 1 : 0;
  for (const auto& L : m.layers) info.n_sliding_layers += L.sliding ? 1 : 0;
}

std::unique_ptr<Model::Impl> load_impl(const std::string& path) {
  auto m = std::make_unique<Model::Impl>();
  m->gguf = GgufFile::open(path);
  const GgufFile& f = m->gguf;
  const ArchSpec& spec = arch_spec(f.get_string("general.architecture"));
  m->spec = &spec;
  read_hparams(f, spec, m->hp);
  read_moe_hparams(f, spec, m->hp);
  Hparams& hp = m->hp;
  // The vocabulary size is the embedding's row count (vocab_size metadata is optional).
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) throw Error(ErrorKind::kCorrupt, "missing tensor 'token_embd.weight'");
  hp.vocab = embd->shape.size() >= 2 ? embd->shape[1] : 0;
  if (hp.vocab <= 0) throw Error(ErrorKind::kCorrupt, "token_embd.weight has no vocabulary dimension");
  Binder b(f);
  b.matrix("token_embd.weight", hp.n_embd, hp.vocab, m->token_embd);
  if (!b.matrix("output.weight", hp.n_embd, hp.vocab, m->output, /*required=*/false)) {
    m->output = m->token_embd;  // tied embeddings (SmolLM2, Gemma)
  }
  b.vector("output_norm.weight", hp.n_embd, m->output_norm);
  bind_layers(f, spec, *m);
  m->rope_global = ops::make_rope_table(hp.n_rot, hp.rope_base, hp.rope_freq_scale, spec.rope_style);
  m->rope_local = ops::make_rope_table(hp.n_rot, hp.rope_base_local, hp.rope_freq_scale, spec.rope_style);
  fill_info(f, spec, *m);
  return m;
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path) {
  std::unique_ptr<Impl> impl;
  try {
    impl = load_impl(path);
  } catch (const Error& e) {
    throw e.with_context("loading model " + path);
  }
  const ModelInfo& i = impl->info;
  spdlog::info("loaded {} ({}, {} layers, {:.0f}M parameters, {}) from {}", i.name, i.architecture, i.n_layer,
               static_cast<double>(i.parameters) / 1e6, i.quantization, path);
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return impl_->info; }
const GgufFile& Model::gguf() const { return impl_->gguf; }

// ---- KV types and sizes -------------------------------------------------------------------------------

KvType parse_kv_type(const std::string& name) {
  if (name == "f16") return KvType::kF16;
  if (name == "f32") return KvType::kF32;
  throw Error(ErrorKind::kInvalidArgument, "unknown KV-cache type '" + name + "' (f16 or f32)");
}

const char* kv_type_name(KvType type) { return type == KvType::kF16 ? "f16" : "f32"; }

double kv_type_bytes(KvType type) { return type == KvType::kF16 ? 2.0 : 4.0; }

int64_t ModelInfo::kv_bytes(KvType type, int64_t context) const {
  if (context <= 0) context = context_length;
  const double per_position = static_cast<double>(n_head_kv * head_dim * 2) * kv_type_bytes(type);
  const int64_t local = sliding_window > 0 ? std::min(context, sliding_window) : context;
  const int64_t positions = (n_layer - n_sliding_layers) * context + n_sliding_layers * local;
  return static_cast<int64_t>(per_position * static_cast<double>(positions));
}

double ModelInfo::kv_bytes_per_token(KvType type, int64_t context) const {
  if (context <= 0) context = context_length;
  return context > 0 ? static_cast<double>(kv_bytes(type, context)) / static_cast<double>(context) : 0.0;
}

}  // namespace hayloft::engine
