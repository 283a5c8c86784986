#pragma once
// SQuAD v1.1 as an LC-vs-RAG test: one article = one collection of its paragraphs (each paragraph a
// document), its questions asked against it. Selection is deterministic: articles in file order, those
// whose whole text does not fit the model's window with the question skipped (and said so), K questions
// per article spread over its paragraphs. Collections are ingested through the Library and reused when
// an identical one is already there.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"
#include "eval/datasets.hpp"
#include "eval/names.hpp"

namespace hayloft::eval {

struct SquadSelectOptions {
  int articles = 0;               // articles to take (0 = every one that fits)
  int questions_per_article = 0;  // 0 = all of them
  int skip_articles = 0;          // fitting articles passed over first (so runs can take disjoint batches)
};

struct SquadPick {
  size_t article = 0;             // index into the parsed articles
  std::vector<size_t> questions;  // indices into its questions, in asking order
};

struct SquadSkip {
  std::string title;
  std::string why;  // e.g. "needs about 9,120 tokens, 7,700 free"
};

struct SquadSelection {
  std::vector<SquadPick> picks;
  std::vector<SquadSkip> skipped;  // articles that do not fit, met before the selection was complete
};

// Says why an article with these questions does not fit, or returns empty when it fits.
using ArticleFit = std::function<std::string(const SquadArticle& article, const std::vector<size_t>& questions)>;

// Walks the articles in file order: each gets its questions (spread_questions), then `fits`; unfit ones
// are listed in `skipped`, the first skip_articles fitting ones are passed over, the next `articles`
// taken. Error{kInvalidArgument} for negative counts.
SquadSelection select_squad(const std::vector<SquadArticle>& articles, const SquadSelectOptions& options,
                            const ArticleFit& fits);

// K question indices spread over the paragraphs: round robin, the first question of each paragraph in
// order, then the second of each, ... (k <= 0 or k >= all: every question, in file order).
std::vector<size_t> spread_questions(const SquadArticle& article, int k);

// "squad-" + the title with bytes outside [A-Za-z0-9_.-] as '_', cut to the store's 64-character limit.
std::string squad_collection_name(std::string_view title);

// The article's paragraphs as documents ready to store: path and title "<title> p<N>" (1-based), read
// as plain text and chunked with `chunk` and the approximate counter, as `hayloft ingest` would.
std::vector<index::NewDocument> squad_documents(const SquadArticle& article, const ingest::ChunkOptions& chunk);

// Makes `collection` hold exactly `docs`: reused untouched when every document is there with the same
// content ("reused"), else the missing or changed ones are added ("ingested"). Error{kInvalidArgument}
// when the collection holds other documents too (it is not ours to change).
std::string ensure_collection(index::Library& library, const std::string& collection,
                              std::vector<index::NewDocument> docs);

}  // namespace hayloft::eval
