#pragma once
// Deterministic mutations of real seeds (bit flips, truncations, splices, random bytes) for the hostile-
// input tests of pipeline/ and eval/: each parser must return or throw hayloft::Error, never crash, hang
// or leak another exception type.
#include <random>
#include <string>

#include "util/error.hpp"

namespace hayloft::testing {

inline std::string mutate(const std::string& seed, std::mt19937_64& rng) {
  std::string s = seed;
  std::uniform_int_distribution<int> op(0, 4);
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0: if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
      case 1: s.resize(at); break;
      case 2: if (!s.empty()) s[at] = static_cast<char>(rng() % 256); break;
      case 3: s.insert(at, seed.substr(rng() % (seed.size() + 1), rng() % 64)); break;
      case 4: s.insert(at, std::string(1 + rng() % 8, "[](){}\"\\,:C0123456789\n"[rng() % 23])); break;
    }
  }
  return s;
}

// Runs fn on 1,500 mutations of seed; counts how many threw Error (the rest returned).
template <typename Fn>
int hammer(const std::string& seed, Fn fn) {
  std::mt19937_64 rng(20261123);
  int errors = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string input = mutate(seed, rng);
    try {
      fn(input);
    } catch (const Error&) {
      ++errors;
    }
  }
  return errors;
}

}  // namespace hayloft::testing
