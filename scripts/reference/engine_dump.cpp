// Dev tool (never built by CMake, never on the product path): dumps hayloft's own numbers for the
// numerics comparison in scripts/reference/compare_numerics.py.
//
//   engine_dump logits MODEL.gguf OUT.bin ID...   f32 logits [n_ids, vocab], one decode step per id
//   engine_dump layers MODEL.gguf OUT.bin ID...   f32 residual stream after each layer, [n_layer, n_ids,
//                                                 n_embd], same decode path
//
// The layer dump runs the model truncated to its first L layers (L = 1..n_layer) from an empty cache, so
// the engine needs no hook: the residual stream is left in the session's `x` buffer after a forward step.
// Build (after `ninja -C build hl_engine`; see the scripts/reference/compare_numerics.py header):
//   g++ -std=c++20 -O2 -I. scripts/reference/engine_dump.cpp build/engine/libhl_engine.a \
//       build/config/libhl_config.a build/util/libhl_util.a -lopenblas -lspdlog -lfmt -o build/engine_dump
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/session_state.hpp"

using namespace hayloft::engine;

namespace {

void write(const std::string& path, const std::vector<float>& v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: engine_dump logits|layers MODEL.gguf OUT.bin ID...\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::vector<int32_t> ids;
  for (int i = 4; i < argc; ++i) ids.push_back(std::atoi(argv[i]));
  auto model = Model::load(argv[2]);
  std::vector<float> out;
  if (mode == "logits") {
    Session s(model, {.context = 512});
    for (int32_t id : ids) {
      auto l = s.decode_step(id);
      out.insert(out.end(), l.begin(), l.end());
    }
  } else {
    // Model is immutable to the engine; this dev tool alone shortens a private copy of the layer count.
    auto& hp = const_cast<Hparams&>(model->impl().hp);
    const int64_t n_layer = hp.n_layer, E = hp.n_embd;
    for (int64_t L = 1; L <= n_layer; ++L) {
      hp.n_layer = L;
      Session::State st(model, {.context = 512});
      for (int32_t id : ids) {
        st.forward(&id, 1, false);
        out.insert(out.end(), st.x.data(), st.x.data() + E);
      }
    }
    hp.n_layer = n_layer;
  }
  write(argv[3], out);
  return 0;
}
