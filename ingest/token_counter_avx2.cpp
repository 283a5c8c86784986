// The approximate token counter, 64 bytes at a time with AVX2 (the baseline ISA). Same counts as the
// scalar reference in token_counter.cpp (tests/ingest/chunker_test.cpp compares them on random bytes).
//
// Each block becomes one 64-bit mask per byte class (bit i = byte i). A byte's contribution depends only
// on its class and its position in the run of that class, so:
//   digits, non-ASCII lead bytes, control bytes: one each           → popcount
//   newlines: one per run                                           → popcount of run starts
//   spaces: one per run of two or more                              → popcount of second positions
//   letters: one per run, plus one at run positions 9, 14, 19, ...  → run starts + a loop over the
//                                                                     (rare) bytes at position >= 9
//   punctuation: one at odd run positions                           → run starts + a loop over the
//                                                                     (rare) bytes at position >= 3
// Shifts bring in the previous block's masks, and the letter/punctuation run lengths at a block's end are
// carried, so runs crossing blocks count exactly as in the scalar loop.
#include <immintrin.h>

#include <bit>
#include <cstring>

#include "ingest/internal.hpp"

namespace hayloft::ingest::detail {
namespace {

struct Masks {
  uint64_t letter = 0, digit = 0, space = 0, newline = 0, punct = 0, high = 0, other = 0;
};

uint64_t movemask64(__m256i lo, __m256i hi) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(lo)) |
         (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(hi))) << 32);
}

// Class masks of 64 bytes. Signed byte compares: bytes >= 0x80 are negative.
Masks classify(const uint8_t* p) {
  Masks m;
  __m256i v[2] = {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32))};
  __m256i r[7][2];
  for (int h = 0; h < 2; ++h) {
    __m256i x = v[h];
    auto gt = [](__m256i a, int b) { return _mm256_cmpgt_epi8(a, _mm256_set1_epi8(static_cast<char>(b))); };
    auto in = [&](__m256i a, int lo, int hi) { return _mm256_andnot_si256(gt(a, hi), gt(a, lo - 1)); };
    __m256i folded = _mm256_or_si256(x, _mm256_set1_epi8(0x20));
    __m256i letter = in(folded, 'a', 'z');
    __m256i digit = in(x, '0', '9');
    __m256i space = _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')),
                                    _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')));
    __m256i newline = in(x, '\n', '\r');  // \n \v \f \r
    __m256i printable = in(x, 0x21, 0x7E);
    __m256i punct = _mm256_andnot_si256(_mm256_or_si256(letter, digit), printable);
    __m256i high = _mm256_and_si256(gt(x, -65), _mm256_cmpgt_epi8(_mm256_setzero_si256(), x));  // 0xC0..0xFF
    r[0][h] = letter;
    r[1][h] = digit;
    r[2][h] = space;
    r[3][h] = newline;
    r[4][h] = punct;
    r[5][h] = high;
    r[6][h] = _mm256_cmpgt_epi8(_mm256_set1_epi8(-64), x);  // 0x80..0xBF: continuation bytes
  }
  m.letter = movemask64(r[0][0], r[0][1]);
  m.digit = movemask64(r[1][0], r[1][1]);
  m.space = movemask64(r[2][0], r[2][1]);
  m.newline = movemask64(r[3][0], r[3][1]);
  m.punct = movemask64(r[4][0], r[4][1]);
  m.high = movemask64(r[5][0], r[5][1]);
  uint64_t cont = movemask64(r[6][0], r[6][1]);
  m.other = ~(m.letter | m.digit | m.space | m.newline | m.punct | m.high | cont);
  return m;
}

// Bit i of the result is bit i-k of the 128-bit sequence (prev, cur): "the byte k places back".
inline uint64_t back(uint64_t cur, uint64_t prev, int k) { return (cur << k) | (prev >> (64 - k)); }

// Run position (1-based) of bit b of `cur`, a member of a run; `carried` is the length of the run that
// ended at the previous block's last byte.
inline int run_position(uint64_t cur, int b, int carried) {
  uint64_t outside = ~cur & ((uint64_t{1} << b) - 1);  // non-members below b
  if (outside == 0) return b + 1 + carried;
  int start = 64 - std::countl_zero(outside);
  return b - start + 1;
}

// Run length at the block's end for the class in `cur`.
inline int run_at_end(uint64_t cur, int carried) {
  if (cur == ~uint64_t{0}) return carried + 64;
  return std::countl_one(cur);
}

struct State {
  Masks prev;
  int letter_run = 0;
  int punct_run = 0;
};

int count_block(const Masks& m, State& s) {
  const Masks& p = s.prev;
  int tokens = std::popcount(m.digit) + std::popcount(m.high) + std::popcount(m.other);
  tokens += std::popcount(m.newline & ~back(m.newline, p.newline, 1));
  tokens += std::popcount(m.space & back(m.space, p.space, 1) & ~back(m.space, p.space, 2));
  tokens += std::popcount(m.letter & ~back(m.letter, p.letter, 1));
  tokens += std::popcount(m.punct & ~back(m.punct, p.punct, 1));
  // Letters at run position >= 9: the 8 bytes before are letters too.
  uint64_t long_run = m.letter;
  for (int k = 1; k <= 8 && long_run; ++k) long_run &= back(m.letter, p.letter, k);
  for (uint64_t bits = long_run; bits; bits &= bits - 1) {
    int r = run_position(m.letter, std::countr_zero(bits), s.letter_run);
    tokens += (r - 9) % 5 == 0;
  }
  // Punctuation at run position >= 3.
  uint64_t punct_run = m.punct & back(m.punct, p.punct, 1) & back(m.punct, p.punct, 2);
  for (uint64_t bits = punct_run; bits; bits &= bits - 1) {
    int r = run_position(m.punct, std::countr_zero(bits), s.punct_run);
    tokens += r % 2 == 1;
  }
  s.letter_run = run_at_end(m.letter, s.letter_run);
  s.punct_run = run_at_end(m.punct, s.punct_run);
  s.prev = m;
  return tokens;
}

}  // namespace

int count_tokens_avx2(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  State state;
  int tokens = 0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) tokens += count_block(classify(p + i), state);
  if (i < n) {
    // The tail, padded: padding bytes only ever follow real ones, so masking them out is exact.
    uint8_t tail[64] = {};
    std::memcpy(tail, p + i, n - i);
    Masks m = classify(tail);
    uint64_t valid = (uint64_t{1} << (n - i)) - 1;
    for (uint64_t* mask : {&m.letter, &m.digit, &m.space, &m.newline, &m.punct, &m.high, &m.other}) *mask &= valid;
    tokens += count_block(m, state);
  }
  return tokens;
}

}  // namespace hayloft::ingest::detail
