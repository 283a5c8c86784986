// Two-pass decode attention (attend_scores + attend_values over slices) against attention computed in double from
// the same cached values: AVX2 and scalar versions, head sizes 8..256 (and 12, which only the scalar path
// takes), GQA groups of 1, 3 and 4 query heads, f16 and f32 caches, a ring that wraps, soft-capping,
// and the positions split into 1..3 slices as the workers split them.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/ops/attention.hpp"

namespace hayloft::engine::ops {
namespace {

using ScoresFn = void (*)(const float*, int, const KvLayerView&, int, int, int64_t, int64_t, float, float, float*,
                          int64_t, float*, double*);
using ValuesFn = void (*)(const float*, int64_t, const float*, int, const KvLayerView&, int, int, int64_t, int64_t,
                          float*);

struct Cache {
  std::vector<uint8_t> k, v;
  KvLayerView view;
};

Cache make_cache(int cap, int64_t kv_dim, bool f16, uint32_t seed) {
  uint32_t rng = seed;
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f - 0.5f;
  };
  Cache c;
  std::vector<float> src(static_cast<size_t>(cap * kv_dim));
  c.k.resize(src.size() * 4);
  c.v.resize(src.size() * 4);
  for (auto& x : src) x = 2 * next();
  store_kv(src.data(), c.k.data(), cap * kv_dim, f16);
  for (auto& x : src) x = next();
  store_kv(src.data(), c.v.data(), cap * kv_dim, f16);
  c.view = KvLayerView{c.k.data(), c.v.data(), f16, cap, kv_dim};
  return c;
}

float cached(const KvLayerView& kv, const void* base, int64_t pos, int64_t i) {
  const int64_t e = (pos % kv.cap) * kv.kv_dim + i;
  return kv.f16 ? f16_to_f32(static_cast<const uint16_t*>(base)[e]) : static_cast<const float*>(base)[e];
}

// Softmax attention of one query head in double (q rounded to f16 against an f16 cache, as specified).
std::vector<double> truth(const float* q, const KvLayerView& kv, int kv_head, int hd, int64_t p0, int64_t p1,
                          float scale, float cap) {
  std::vector<double> s;
  for (int64_t p = p0; p < p1; ++p) {
    double dot = 0;
    for (int d = 0; d < hd; ++d) {
      const float qd = kv.f16 ? f16_to_f32(f32_to_f16(q[d])) : q[d];
      dot += double(qd) * cached(kv, kv.k, p, int64_t{kv_head} * hd + d);
    }
    dot *= scale;
    if (cap > 0) dot = cap * std::tanh(dot / cap);
    s.push_back(dot);
  }
  double mx = s[0], sum = 0;
  for (double x : s) mx = std::max(mx, x);
  for (double& x : s) sum += (x = std::exp(x - mx));
  std::vector<double> out(static_cast<size_t>(hd), 0.0);
  for (int64_t p = p0; p < p1; ++p)
    for (int d = 0; d < hd; ++d)
      out[size_t(d)] += s[size_t(p - p0)] / sum * cached(kv, kv.v, p, int64_t{kv_head} * hd + d);
  return out;
}

// Runs the two passes over `slices` slices of [p0, p1) as forward.cpp does, returns [n_q, hd].
std::vector<float> two_pass(ScoresFn scores_fn, ValuesFn values_fn, const float* q, int n_q, const KvLayerView& kv,
                            int hd, int64_t p0, int64_t p1, float cap, int slices) {
  constexpr float kGuard = -12345.0f;
  const int64_t n = p1 - p0, stride = n + 3;
  std::vector<float> e(size_t(n_q * stride), kGuard), m(size_t(slices * n_q)), c(m.size());
  std::vector<double> l(m.size());
  std::vector<float> o(size_t(slices * n_q * hd) + 8, kGuard);
  auto bounds = [&](int s, int64_t& a, int64_t& b) { a = n * s / slices; b = n * (s + 1) / slices; };
  for (int s = 0; s < slices; ++s) {
    int64_t a, b;
    bounds(s, a, b);
    scores_fn(q, n_q, kv, 1, hd, p0 + a, p0 + b, 0.3f, cap, e.data() + a, stride, m.data() + s * n_q,
              l.data() + s * n_q);
  }
  for (int h = 0; h < n_q; ++h)
    for (int64_t j = n; j < stride; ++j) EXPECT_EQ(e[size_t(h * stride + j)], kGuard) << "scores past the slice";
  for (int h = 0; h < n_q; ++h) {
    float mx = -INFINITY;
    for (int s = 0; s < slices; ++s) mx = std::max(mx, m[size_t(s * n_q + h)]);
    double sum = 0;
    for (int s = 0; s < slices; ++s) sum += l[size_t(s * n_q + h)] * std::exp(double(m[size_t(s * n_q + h)] - mx));
    for (int s = 0; s < slices; ++s) c[size_t(s * n_q + h)] = float(std::exp(double(m[size_t(s * n_q + h)] - mx)) / sum);
  }
  for (int s = 0; s < slices; ++s) {
    int64_t a, b;
    bounds(s, a, b);
    values_fn(e.data() + a, stride, c.data() + s * n_q, n_q, kv, 1, hd, p0 + a, p0 + b, o.data() + size_t(s * n_q * hd));
  }
  for (size_t i = size_t(slices * n_q * hd); i < o.size(); ++i) EXPECT_EQ(o[i], kGuard) << "output past the end";
  std::vector<float> out(size_t(n_q * hd), 0.0f);
  for (int s = 0; s < slices; ++s)
    for (size_t i = 0; i < out.size(); ++i) out[i] += o[size_t(s * n_q * hd) + i];
  return out;
}

void check(ScoresFn scores_fn, ValuesFn values_fn, const char* name, int hd) {
  for (int group : {1, 3, 4}) {
    for (bool f16 : {true, false}) {
      const int kv_heads = 2, cap = 37;
      const Cache c = make_cache(cap, int64_t{kv_heads} * hd, f16, 11u + uint32_t(hd) + uint32_t(group));
      std::vector<float> q(static_cast<size_t>(group * hd));
      uint32_t rng = 5;
      for (auto& x : q) x = static_cast<float>((rng = rng * 1664525u + 1013904223u) >> 8) / 4194304.0f - 2.0f;
      for (int64_t n : {1, 7, 8, 9, 30}) {
        for (int64_t p0 : {int64_t{5}, int64_t{25}}) {  // 25: positions past 36 wrap around the 37-slot ring
          for (int slices : {1, 2, 3}) {
            if (slices > n) continue;
            for (float softcap : {0.0f, 3.0f}) {
              const auto got = two_pass(scores_fn, values_fn, q.data(), group, c.view, hd, p0, p0 + n, softcap, slices);
              std::vector<float> sc(static_cast<size_t>(n)), ref(static_cast<size_t>(hd));
              for (int h = 0; h < group; ++h) {
                const float* qh = q.data() + h * hd;
                const auto want = truth(qh, c.view, 1, hd, p0, p0 + n, 0.3f, softcap);
                attend_ref(qh, c.view, 1, hd, p0, p0 + n, 0.3f, softcap, sc.data(), ref.data());
                for (int d = 0; d < hd; ++d) {
                  const float g = got[size_t(h * hd + d)];
                  ASSERT_NEAR(g, want[size_t(d)], f16 ? 3e-4 : 2e-6)
                      << name << " hd=" << hd << " group=" << group << " f16=" << f16 << " n=" << n
                      << " p0=" << p0 << " slices=" << slices << " h=" << h << " d=" << d;
                  ASSERT_NEAR(g, ref[size_t(d)], f16 ? 3e-4 : 2e-6) << name << " vs attend_ref";
                }
              }
            }
          }
        }
      }
    }
  }
}

// Errors: scores carry ~1e-7 relative rounding (f32 sums of <= 256 products of magnitude <= 2) and the
// vectorized exp ~2 ulp; outputs are convex combinations of values |v| <= 0.5, so 2e-6 absolute with an
// f32 cache. Against an f16 cache the weights are rounded to f16 (relative 2^-11, as attend_ref and ggml
// do), so they may differ from the exact softmax, and by an occasional flipped rounding from attend_ref,
// by up to 2^-11 * 0.5 = 2.4e-4.
TEST(AttentionDecode, TwoPassSlicesMatchSoftmaxAttention) {
  for (int hd : {8, 16, 64, 256}) {
    check(attend_scores_avx2, attend_values_avx2, "avx2", hd);
    check(attend_scores_ref, attend_values_ref, "ref", hd);
    check(attend_scores, attend_values, "dispatch", hd);
  }
  check(attend_scores_ref, attend_values_ref, "ref", 12);
  check(attend_scores, attend_values, "dispatch", 12);  // falls back to the reference
}

}  // namespace
}  // namespace hayloft::engine::ops
