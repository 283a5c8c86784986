#pragma once
// Pre-tokenizers for byte-level BPE (engine-internal): split text into words before merges. Each one
// reproduces a regex cascade from the model's tokenizer config (as llama.cpp applies them), written by
// hand over Unicode classes instead of a regex engine. Stages run in order; each splits every piece
// the previous stage produced, keeping unmatched stretches as pieces of their own.
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace hayloft::engine {

enum class PreTokenizer {
  kGpt2,     // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kSmollm,   // each \p{N} alone, then kGpt2
  kLlama3,   // llama-bpe: case-insensitive contractions, [^\r\n\p{L}\p{N}]?\p{L}+, \p{N}{1,3}, ...
  kQwen2,    // kLlama3 with single digits
  kDefault,  // [\p{P}$+<=>^~|]+, then kGpt2, then \p{N}+, then [0-9]{3}
};

// Maps tokenizer.ggml.pre to a pre-tokenizer; Error{kUnsupported} naming it otherwise.
PreTokenizer pre_tokenizer_from_name(std::string_view name);

// Splits codepoints into pieces: [begin, end) index pairs covering cps in order.
std::vector<std::pair<uint32_t, uint32_t>> pre_tokenize(PreTokenizer kind, const std::vector<uint32_t>& cps);

}  // namespace hayloft::engine
