#include "eval/squad_eval.hpp"

#include <algorithm>
#include <map>

#include "util/error.hpp"

namespace hayloft::eval {

SquadSelection select_squad(const std::vector<SquadArticle>& articles, const SquadSelectOptions& options,
                            const ArticleFit& fits) {
  if (options.articles < 0 || options.questions_per_article < 0 || options.skip_articles < 0) {
    throw Error(ErrorKind::kInvalidArgument, "SQuAD article and question counts must be >= 0");
  }
  SquadSelection out;
  int passed_over = 0;
  for (size_t i = 0; i < articles.size(); ++i) {
    if (options.articles > 0 && static_cast<int>(out.picks.size()) >= options.articles) break;
    std::vector<size_t> questions = spread_questions(articles[i], options.questions_per_article);
    if (questions.empty()) continue;  // an article without questions has nothing to evaluate
    std::string why = fits(articles[i], questions);
    if (!why.empty()) {
      out.skipped.push_back({articles[i].title, why});
      continue;
    }
    if (passed_over < options.skip_articles) {
      ++passed_over;
      continue;
    }
    out.picks.push_back({i, std::move(questions)});
  }
  return out;
}

std::vector<size_t> spread_questions(const SquadArticle& article, int k) {
  const size_t n = article.questions.size();
  std::vector<size_t> out;
  if (k <= 0 || static_cast<size_t>(k) >= n) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  // Questions grouped by paragraph, in file order within each.
  std::map<int, std::vector<size_t>> by_paragraph;
  for (size_t i = 0; i < n; ++i) {
    int p = i < article.question_paragraph.size() ? article.question_paragraph[i] : 0;
    by_paragraph[p].push_back(i);
  }
  for (size_t round = 0; out.size() < static_cast<size_t>(k); ++round) {
    for (const auto& [p, qs] : by_paragraph) {
      if (round < qs.size() && out.size() < static_cast<size_t>(k)) out.push_back(qs[round]);
    }
  }
  return out;
}

std::string squad_collection_name(std::string_view title) {
  constexpr size_t kMaxName = 64;  // Store's collection-name limit
  std::string name = "squad-";
  for (char c : title) {
    if (name.size() >= kMaxName) break;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    name.push_back(ok ? c : '_');
  }
  return name;
}

std::vector<index::NewDocument> squad_documents(const SquadArticle& article, const ingest::ChunkOptions& chunk) {
  std::vector<index::NewDocument> docs;
  ingest::ReadOptions read;
  for (size_t i = 0; i < article.paragraphs.size(); ++i) {
    std::string name = article.title + " p" + std::to_string(i + 1);
    index::NewDocument d;
    // Read as a .txt file: plain text, its hash and source map from the reader, as ingest would.
    d.doc = ingest::read_bytes(article.paragraphs[i], name + ".txt", read);
    d.doc.path = name;
    d.doc.title = name;  // equal to the path: the LC header shows it once
    d.chunks = ingest::chunk_document(d.doc, ingest::approximate_token_counter(), chunk);
    docs.push_back(std::move(d));
  }
  return docs;
}

std::string ensure_collection(index::Library& library, const std::string& collection,
                              std::vector<index::NewDocument> docs) {
  std::map<std::string, std::string> want;  // path -> content hash
  for (const auto& d : docs) want[d.doc.path] = d.doc.content_hash;
  bool identical = false;
  if (library.store().find_collection(collection)) {
    size_t same = 0;
    for (const auto& row : library.documents(collection)) {
      auto it = want.find(row.path);
      if (it == want.end()) {
        throw Error(ErrorKind::kInvalidArgument,
                    "collection '" + collection + "' holds documents that are not this article's ('" + row.path +
                        "'); remove it first (hayloft rm)", collection);
      }
      if (row.hash == it->second && row.state == index::IndexState::kIndexed) ++same;
    }
    identical = same == want.size();
  }
  if (identical) return "reused";
  library.add_documents(collection, std::move(docs));
  return "ingested";
}

}  // namespace hayloft::eval
