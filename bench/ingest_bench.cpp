// ingest throughput on one core: read (decode + normalise + hash), approximate token counting, and
// chunking, over real prose repeated to a given size. Prints one JSON document.
//
//   build/bench/ingest_bench [FILE] [MB] [TARGET_TOKENS] [OVERLAP_TOKENS]   (from the source root)
//
// Times are thread CPU seconds (best of 3), so a busy shared machine disturbs them less than wall time.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest/ingest.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename Fn>
double best_of_3(Fn fn) {
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    double t0 = cpu_seconds();
    fn();
    best = std::min(best, cpu_seconds() - t0);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hayloft::ingest;
  std::string file = argc > 1 ? argv[1] : "tests/data/ingest/essay.txt";  // relative: run from the source root
  int mb = argc > 2 ? std::atoi(argv[2]) : 32;
  ChunkOptions options{argc > 3 ? std::atoi(argv[3]) : 256, argc > 4 ? std::atoi(argv[4]) : 32};
  try {
    std::string seed = hayloft::read_file(file);
    std::string bytes;
    while (bytes.size() < static_cast<size_t>(mb) << 20) bytes += seed;
    ReadOptions read_options;
    read_options.max_file_bytes = -1;
    Document doc;
    double read_s = best_of_3([&] { doc = read_bytes(bytes, "bench.txt", read_options); });
    TokenCounter count = approximate_token_counter();
    int tokens = 0;
    double count_s = best_of_3([&] { tokens = count(doc.text); });
    std::vector<Chunk> chunks;
    double chunk_s = best_of_3([&] { chunks = chunk_document(doc, count, options); });
    double mb_text = static_cast<double>(doc.text.size()) / 1e6;
    std::printf(
        "{\"bench\": \"ingest\", \"file\": \"%s\", \"source_mb\": %.1f, \"text_mb\": %.1f, \"read_mb_per_s\": %.1f, "
        "\"count_mb_per_s\": %.1f, \"tokens\": %d, \"chunk_mb_per_s\": %.1f, \"chunks\": %zu, "
        "\"target_tokens\": %d, \"overlap_tokens\": %d, \"timing\": \"thread cpu seconds, best of 3\"}\n",
        file.c_str(), static_cast<double>(bytes.size()) / 1e6, mb_text, static_cast<double>(bytes.size()) / 1e6 / read_s,
        mb_text / count_s, tokens, mb_text / chunk_s, chunks.size(), options.target_tokens, options.overlap_tokens);
  } catch (const hayloft::Error& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
