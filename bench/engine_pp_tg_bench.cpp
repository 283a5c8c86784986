// Prefill and decode throughput measured the way llama.cpp's llama-bench measures them, so that
// scripts/bench-engine can put the two engines side by side. Prints one JSON document on stdout.
//   usage: engine_pp_tg_bench --model NAME|PATH [--threads 2] [--depth 0] [--pp 512] [--tg 128]
//                             [--reps 1] [--no-warmup]
//          engine_pp_tg_bench --model NAME|PATH --info     (model facts only, nothing is run)
//
// What is matched (llama-bench at ggml 0.25.3, tools/llama-bench/llama-bench.cpp):
// - ppN: N random token ids (the first is BOS when the model adds one) prefilled from position `depth` in
//   batches of 512 (llama-bench: n_batch 2048, n_ubatch 512); the timed part ends once the last token's
//   logits exist (llama-bench asks for the last token's logits only). One untimed warm-up prefill of N
//   tokens on an empty cache precedes the repetitions.
// - tgN: N single-token decode steps from position `depth`, each producing the full logits; the next id is
//   random, nothing is sampled. The warm-up is one decode step on an empty cache.
// - depth d: before each repetition the cache is emptied and d random tokens are prefilled, untimed
//   (llama-bench prefills once and restores a snapshot; either way the timed part starts at position d).
// - tok/s of a repetition = N / its seconds; each session holds d + N positions of f16 KV, as llama-bench's
//   context does (n_ctx = n_prompt + n_gen + n_depth).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/gguf.hpp"
#include "engine/ops/quant.hpp"
#include "util/util.hpp"

extern "C" char* openblas_get_corename(void);

using namespace hayloft;
using nlohmann::json;

namespace {

struct Options {
  std::string model;
  int threads = 2;
  int64_t depth = 0;
  int64_t pp = 512;  // 0: no prefill test
  int64_t tg = 128;  // 0: no decode test
  int reps = 1;
  bool warmup = true;
  bool info = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "engine_pp_tg_bench: %s\nusage: engine_pp_tg_bench --model NAME|PATH [--threads N] [--depth N] "
               "[--pp N] [--tg N] [--reps N] [--no-warmup] [--info]\n",
               why.c_str());
  std::exit(2);
}

int64_t parse_int(const std::string& flag, const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < lo || x > hi) {
    usage(flag + " wants an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'");
  }
  return x;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-warmup") { o.warmup = false; continue; }
    if (a == "--info") { o.info = true; continue; }
    if (i + 1 >= argc) usage("missing value after " + a);
    const std::string v = argv[++i];
    if (a == "--model") o.model = v;
    else if (a == "--threads") o.threads = static_cast<int>(parse_int(a, v, 1, 256));
    else if (a == "--depth") o.depth = parse_int(a, v, 0, int64_t{1} << 24);
    else if (a == "--pp") o.pp = parse_int(a, v, 0, int64_t{1} << 24);
    else if (a == "--tg") o.tg = parse_int(a, v, 0, int64_t{1} << 24);
    else if (a == "--reps") o.reps = static_cast<int>(parse_int(a, v, 1, 1000));
    else usage("unknown option " + a);
  }
  if (o.model.empty()) usage("--model is required");
  return o;
}

// Same as cli/main.cpp: OpenBLAS falls back to SSE3 "Prescott" kernels on CPUs it does not recognise
// (prefill sgemm 1.75x slower); the core type only takes effect through the environment at load.
void ensure_fast_openblas(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  const char* core = openblas_get_corename();
  if (!core || std::string(core) != "Prescott") return;
  const engine::ops::Isa isa = engine::ops::detect_isa();
  if (isa == engine::ops::Isa::kScalar) return;
  ::setenv("OPENBLAS_CORETYPE", isa == engine::ops::Isa::kAvx512 ? "SkylakeX" : "Haswell", 1);
  ::execv("/proc/self/exe", argv);
}

// Bytes of weights one decode step reads: every tensor once, except that with a separate output matrix
// the token embedding contributes one row (a lookup), not its whole table.
int64_t decode_weight_bytes(const engine::GgufFile& gguf, int64_t vocab) {
  int64_t total = 0;
  const bool tied = gguf.find_tensor("output.weight") == nullptr;
  for (const auto& t : gguf.tensors()) {
    const auto bytes = static_cast<int64_t>(t.data.size());
    total += (t.name == "token_embd.weight" && !tied && vocab > 0) ? bytes / vocab : bytes;
  }
  return total;
}

json model_facts(const engine::Model& model) {
  const engine::ModelInfo& mi = model.info();
  return {{"model", mi.name},
          {"model_path", mi.path},
          {"architecture", mi.architecture},
          {"quantization", mi.quantization},
          {"file_bytes", mi.file_bytes},
          {"parameters", mi.parameters},
          {"n_ctx_train", mi.context_length},
          {"n_layer", mi.n_layer},
          {"n_head_kv", mi.n_head_kv},
          {"head_dim", mi.head_dim},
          {"vocab", mi.vocab},
          {"sliding_window", mi.sliding_window},
          {"n_sliding_layers", mi.n_sliding_layers},
          {"decode_weight_bytes", decode_weight_bytes(model.gguf(), mi.vocab)}};
}

// Random ids in [0, vocab) from a fixed seed, the first one BOS when the model adds it (as llama-bench).
std::vector<int32_t> random_tokens(int64_t n, int32_t vocab, int32_t bos, std::mt19937& rng) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::uniform_int_distribution<int32_t> pick(0, vocab - 1);
  for (auto& id : ids) id = pick(rng);
  if (n > 0 && bos >= 0) ids[0] = bos;
  return ids;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs one test (pp or tg) for o.reps repetitions; returns llama-bench-like fields.
json run_test(const std::shared_ptr<const engine::Model>& model, const Options& o, int32_t bos, bool decode) {
  const int64_t n = decode ? o.tg : o.pp;
  const auto vocab = static_cast<int32_t>(model->info().vocab);
  engine::Session s(model, {.context = o.depth + n, .threads = o.threads});
  std::mt19937 rng(1234);
  auto depth_tokens = random_tokens(o.depth, vocab, bos, rng);
  auto tokens = random_tokens(n, vocab, bos, rng);  // llama-bench starts every test with BOS too

  if (o.warmup) {
    if (decode) s.decode_step(bos >= 0 ? bos : tokens[0]);
    else s.prefill(tokens);
  }
  std::vector<int64_t> samples_ns;
  std::vector<double> samples_ts;
  std::uniform_int_distribution<int32_t> pick(0, vocab - 1);
  for (int r = 0; r < o.reps; ++r) {
    s.reset();
    if (o.depth > 0) s.prefill(depth_tokens);
    const double t0 = now_s();
    if (decode) {
      int32_t tok = bos >= 0 ? bos : tokens[0];
      for (int64_t i = 0; i < n; ++i) {
        s.decode_step(tok);
        tok = pick(rng);
      }
    } else {
      s.prefill(tokens);
    }
    const double sec = now_s() - t0;
    samples_ns.push_back(static_cast<int64_t>(sec * 1e9));
    samples_ts.push_back(static_cast<double>(n) / sec);
  }
  const engine::ModelInfo& mi = model->info();
  return {{"test", (decode ? "tg" : "pp") + std::to_string(n)},
          {"n_prompt", decode ? 0 : n},
          {"n_gen", decode ? n : 0},
          {"n_depth", o.depth},
          {"samples_ns", samples_ns},
          {"samples_ts", samples_ts},
          {"kv_bytes_allocated", s.kv_bytes()},
          {"kv_bytes_per_token", mi.kv_bytes_per_token(engine::KvType::kF16, o.depth + n)}};
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ensure_fast_openblas(argv);
  init_logging(false);
  try {
    auto model = engine::Model::load(engine::resolve_model(o.model, engine::default_model_dirs({})));
    json doc = model_facts(*model);
    if (!o.info) {
      const auto tok = engine::Tokenizer::from_gguf(model->gguf());
      const int32_t bos = tok.add_bos() ? tok.bos() : -1;
      const char* core = openblas_get_corename();
      doc["engine"] = "hayloft";
      doc["isa"] = engine::ops::isa_name(engine::ops::detect_isa());
      doc["openblas_core"] = core ? core : "";
      doc["threads"] = o.threads;
      doc["kv_type"] = "f16";
      doc["warmup"] = o.warmup;
      doc["tests"] = json::array();
      if (o.pp > 0) doc["tests"].push_back(run_test(model, o, bos, false));
      if (o.tg > 0) doc["tests"].push_back(run_test(model, o, bos, true));
      doc["peak_rss_bytes"] = peak_rss_bytes();
    }
    std::printf("%s\n", doc.dump(2).c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "engine_pp_tg_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
