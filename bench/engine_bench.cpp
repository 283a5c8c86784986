// Engine throughput: prefill tok/s with the sgemm path and the quantized-dot path, and decode tok/s, for
// one model. Prints one JSON document.
//   build/bench/engine_bench [MODEL=smollm2] [PROMPT_TOKENS=256] [DECODE_TOKENS=64] [THREADS=2] [PATHS=both]
//                            [DEPTH=0]
// PATHS=gemm (or "decode") skips the quantized-dot prefill (slow on long prompts: 4K-8K tokens). DEPTH tokens are
// prefilled untimed first, so the timed prompt runs with that much context (llama-bench's -d).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "util/util.hpp"

using namespace hayloft;

// Process CPU seconds (all threads): on a shared, overloaded machine wall-clock tok/s mostly measures
// the neighbours, so CPU-seconds per token is printed beside it.
static double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "smollm2";
  const int n_prompt = argc > 2 ? std::atoi(argv[2]) : 256;
  const int n_decode = argc > 3 ? std::atoi(argv[3]) : 64;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  const bool quant_path = !(argc > 5 && (std::string(argv[5]) == "gemm" || std::string(argv[5]) == "decode"));
  const int depth = argc > 6 ? std::atoi(argv[6]) : 0;
  try {
    auto model = engine::Model::load(engine::resolve_model(name, engine::default_model_dirs({})));
    std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));
    for (int i = 0; i < n_prompt; ++i) prompt[static_cast<size_t>(i)] = 100 + (i * 37) % 1000;
    nlohmann::json doc = {{"model", model->info().name}, {"threads", threads}, {"prompt_tokens", n_prompt},
                          {"depth", depth}};
    std::vector<int32_t> context(static_cast<size_t>(depth));
    for (int i = 0; i < depth; ++i) context[static_cast<size_t>(i)] = 100 + (i * 53) % 1000;
    for (bool gemm : {true, false}) {
      if (!gemm && !quant_path) continue;
      engine::Session s(model, {.context = depth + n_prompt + n_decode + 1, .threads = threads, .prefill_gemm = gemm});
      if (depth > 0) s.prefill(context);
      Timer t;
      double cpu0 = cpu_seconds();
      s.prefill(prompt);
      const double sec = t.seconds();
      doc[gemm ? "prefill_sgemm_tok_s" : "prefill_quant_tok_s"] = n_prompt / sec;
      doc[gemm ? "prefill_sgemm_cpu_ms_per_tok" : "prefill_quant_cpu_ms_per_tok"] =
          (cpu_seconds() - cpu0) * 1e3 / n_prompt;
      if (!gemm) continue;
      int32_t tok = 200;
      t.reset();
      cpu0 = cpu_seconds();
      for (int i = 0; i < n_decode; ++i) {
        auto logits = s.decode_step(tok);
        tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      }
      doc["decode_tok_s"] = n_decode / t.seconds();
      doc["decode_cpu_ms_per_tok"] = (cpu_seconds() - cpu0) * 1e3 / n_decode;
    }
    doc["peak_rss_bytes"] = peak_rss_bytes();
    std::printf("%s\n", doc.dump(2).c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
