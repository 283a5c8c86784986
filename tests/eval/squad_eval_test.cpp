// SQuAD selection (file order, fit, skip, K spread over paragraphs), collection names, the paragraphs as
// documents, and making a collection on a real Library (SQLite + Xapian in a temp home): ingest, reuse.
#include "eval/squad_eval.hpp"

#include <gtest/gtest.h>

#include "../index/temp_home.hpp"
#include "util/util.hpp"

namespace hayloft::eval {
namespace {

using index::testing::TempDir;

// An article with `per_paragraph[i]` questions on paragraph i; question ids "<title>-p<i>-q<j>".
SquadArticle article(const std::string& title, const std::vector<int>& per_paragraph) {
  SquadArticle a;
  a.title = title;
  for (size_t p = 0; p < per_paragraph.size(); ++p) {
    a.paragraphs.push_back("Paragraph " + std::to_string(p) + " of " + title + " says something about it.");
    for (int q = 0; q < per_paragraph[p]; ++q) {
      std::string id = title + "-p" + std::to_string(p) + "-q" + std::to_string(q);
      a.questions.push_back({id, "Question " + id + "?", {"answer " + id}});
      a.question_paragraph.push_back(static_cast<int>(p));
    }
  }
  return a;
}

std::vector<std::string> ids(const SquadArticle& a, const std::vector<size_t>& picked) {
  std::vector<std::string> out;
  for (size_t i : picked) out.push_back(a.questions[i].id);
  return out;
}

TEST(SquadEval, SpreadsQuestionsRoundRobinOverParagraphs) {
  SquadArticle a = article("A", {3, 1, 2});
  EXPECT_EQ(ids(a, spread_questions(a, 4)), (std::vector<std::string>{"A-p0-q0", "A-p1-q0", "A-p2-q0", "A-p0-q1"}));
  EXPECT_EQ(ids(a, spread_questions(a, 2)), (std::vector<std::string>{"A-p0-q0", "A-p1-q0"}));
  EXPECT_EQ(spread_questions(a, 0).size(), 6u);   // 0 = all, in file order
  EXPECT_EQ(spread_questions(a, 99).size(), 6u);
  EXPECT_EQ(spread_questions(a, 0)[5], 5u);
  EXPECT_EQ(spread_questions(a, 5), spread_questions(a, 5));  // deterministic
}

TEST(SquadEval, SelectsFittingArticlesInFileOrderAfterSkipping) {
  std::vector<SquadArticle> all = {article("A", {1}), article("Big", {2}), article("B", {1, 1}), article("C", {1}),
                                   article("Empty", {}), article("D", {2})};
  auto fits = [](const SquadArticle& a, const std::vector<size_t>&) {
    return a.title == "Big" ? std::string("needs 9000 tokens, 7000 free") : std::string();
  };
  SquadSelectOptions o;
  o.articles = 2;
  o.questions_per_article = 1;
  SquadSelection s = select_squad(all, o, fits);
  ASSERT_EQ(s.picks.size(), 2u);
  EXPECT_EQ(s.picks[0].article, 0u);
  EXPECT_EQ(s.picks[1].article, 2u);  // Big skipped
  EXPECT_EQ(s.picks[1].questions.size(), 1u);
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(s.skipped[0].title, "Big");
  EXPECT_NE(s.skipped[0].why.find("9000"), std::string::npos);

  // The next batch: the two fitting articles already taken are passed over; the empty one never counts.
  o.skip_articles = 2;
  o.articles = 5;
  s = select_squad(all, o, fits);
  ASSERT_EQ(s.picks.size(), 2u);
  EXPECT_EQ(s.picks[0].article, 3u);
  EXPECT_EQ(s.picks[1].article, 5u);

  o.articles = -1;
  EXPECT_THROW(select_squad(all, o, fits), Error);
}

TEST(SquadEval, CollectionNamesAreValidStoreNames) {
  EXPECT_EQ(squad_collection_name("Super_Bowl_50"), "squad-Super_Bowl_50");
  EXPECT_EQ(squad_collection_name("Sky_(United_Kingdom)"), "squad-Sky__United_Kingdom_");
  std::string longest = squad_collection_name(std::string(200, 'x'));
  EXPECT_EQ(longest.size(), 64u);
}

TEST(SquadEval, ParagraphsBecomeDocumentsAndCollectionsAreReused) {
  TempDir home;
  config::Config config = config::load();
  index::Library library(home.path(), config);
  SquadArticle a = article("Owls", {1, 1});
  ingest::ChunkOptions chunk;
  std::vector<index::NewDocument> docs = squad_documents(a, chunk);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].doc.path, "Owls p2");
  EXPECT_EQ(docs[1].doc.title, "Owls p2");
  ASSERT_EQ(docs[0].chunks.size(), 1u);
  EXPECT_EQ(docs[0].chunks[0].text, a.paragraphs[0]);

  EXPECT_EQ(ensure_collection(library, "squad-Owls", docs), "ingested");
  auto info = library.store().find_collection("squad-Owls");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->documents, 2);
  EXPECT_EQ(ensure_collection(library, "squad-Owls", squad_documents(a, chunk)), "reused");
  EXPECT_EQ(library.store().find_collection("squad-Owls")->documents, 2);

  // A changed paragraph is replaced; a collection with a foreign document is refused.
  a.paragraphs[1] = "Owls can turn their heads a long way.";
  EXPECT_EQ(ensure_collection(library, "squad-Owls", squad_documents(a, chunk)), "ingested");
  EXPECT_EQ(library.chunks("squad-Owls").back().text, a.paragraphs[1]);
  SquadArticle other = article("Bees", {1});
  EXPECT_THROW(ensure_collection(library, "squad-Owls", squad_documents(other, chunk)), Error);
}

}  // namespace
}  // namespace hayloft::eval
