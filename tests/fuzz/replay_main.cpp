// Stand-in driver for builds without libFuzzer: feeds every seed file, then `n` deterministic mutations of
// the seeds (bit flips, truncations, byte overwrites, splices), to LLVMFuzzerTestOneInput. Not coverage
// guided; the real fuzzing is the clang build (scripts/fuzz). Exits non-zero only by crashing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
    return 2;
  }
  std::vector<std::vector<uint8_t>> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) seeds.push_back({});
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());
  long n = argc > 2 ? std::atol(argv[2]) : 1000;
  std::mt19937_64 rng(12345);
  for (long i = 0; i < n; ++i) {
    std::vector<uint8_t> buf = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a bit
          if (!buf.empty()) buf[rng() % buf.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:  // truncate
          if (!buf.empty()) buf.resize(rng() % buf.size());
          break;
        case 2:  // overwrite with an extreme byte value
          if (!buf.empty()) buf[rng() % buf.size()] = (rng() % 2) ? 0xff : 0x00;
          break;
        case 3: {  // splice in bytes from another seed
          const auto& other = seeds[rng() % seeds.size()];
          if (!other.empty() && !buf.empty()) {
            size_t at = rng() % buf.size(), from = rng() % other.size();
            size_t len = std::min<size_t>(rng() % 64, std::min(buf.size() - at, other.size() - from));
            std::copy_n(other.begin() + static_cast<long>(from), len, buf.begin() + static_cast<long>(at));
          }
          break;
        }
      }
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("replayed %zu seeds and %ld mutations\n", seeds.size(), n);
  return 0;
}
