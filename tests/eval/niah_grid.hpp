#pragma once
// A small NIAH grid with known hits, shared by the eval tests (summaries, JSON) and the report tests
// (heat maps).
#include "eval/eval.hpp"

namespace hayloft::eval::testing {

using pipeline::Mode;

inline NiahCell cell(Mode mode, int length, double depth, int needle, bool hit, int prompt = 100, double seconds = 1) {
  NiahCell c;
  c.mode = mode;
  c.length = length;
  c.depth = depth;
  c.needle = needle;
  c.hit = hit;
  c.answer = hit ? "cardamom" : "I do not know";
  c.prompt_tokens = prompt;
  c.generated_tokens = 4;
  c.seconds = seconds;
  c.actual_depth = depth;
  return c;
}

inline NiahResult grid() {
  NiahResult r;
  r.model = "SmolLM2";
  r.lengths = {256, 512};
  r.depths = {0, 50, 100};
  r.modes = {Mode::kLc, Mode::kRag};
  // lc: two needles everywhere except (512, 100), which did not run; needle 1 misses at (256, 50).
  for (int l : r.lengths) {
    for (double d : r.depths) {
      if (l == 512 && d == 100) continue;
      for (int n = 0; n < 2; ++n) r.cells.push_back(cell(Mode::kLc, l, d, n, !(l == 256 && d == 50 && n == 1), l + 50, 2));
      r.cells.push_back(cell(Mode::kRag, l, d, 0, false, 300, 1));
    }
  }
  return r;
}

}  // namespace hayloft::eval::testing
