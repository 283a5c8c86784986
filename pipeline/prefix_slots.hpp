#pragma once
// Several generators of one model behind the Generator seam, each with its own KV cache ("slots", as
// llama-server has), so that a prompt goes to the slot whose cached prompt it extends. Why: a generator
// keeps only the prefix shared with its previous prompt, and auto asks a RAG prompt first and then, on a
// fallback, the LC prompt: with one cache the RAG pass evicts the collection and every fallback
// prefills the whole collection again. With two slots, the collection stays in one while RAG prompts
// come and go in the other.
//
// Slot choice, from the rendered text (a token prefix follows from a text prefix):
//   - a slot whose last prompt shares at least half of the new prompt's text: the longest share wins;
//   - else an empty slot;
//   - else the slot sharing the most with the new prompt (ties: least recently used): a prompt of the same
//     kind replaces its own kind, since a RAG prompt shares its template's whole head with the last RAG
//     prompt but only the opening words with an LC one, and a new collection's LC prompt shares more with
//     the old collection's than with a RAG prompt.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/generator.hpp"

namespace hayloft::pipeline {

class PrefixSlots final : public Generator {
 public:
  // At least one slot; all must be the same model (slot 0 answers count_tokens, render and the names).
  explicit PrefixSlots(std::vector<std::unique_ptr<Generator>> slots);

  std::string model_name() const override;
  int context_window() const override;
  int count_tokens(std::string_view text) const override;
  Prompt render(const std::vector<ChatMessage>& messages) const override;
  GenerateResult generate(const Prompt& prompt, const GenerateOptions& options,
                          const TokenCallback& on_token) override;

  // The slot generate() would use for this prompt text (for tests and logs).
  size_t pick(const std::string& text) const;
  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    std::unique_ptr<Generator> generator;
    std::string last_text;  // the last prompt it was given (its KV holds a prefix of it)
    int64_t last_used = -1; // generation counter at its last use
  };
  std::vector<Slot> slots_;
  int64_t generations_ = 0;
};

// Bytes two strings share at their start.
size_t common_prefix(const std::string& a, const std::string& b);

}  // namespace hayloft::pipeline
