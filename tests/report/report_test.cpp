// Reports over runs stored through the real Store (SQLite in a temp dir): each kind renders, hostile
// answer text is escaped in HTML and Markdown, plots are written as SVG beside the report, eval documents
// with unknown extra fields or missing optional ones still render.
#include "report/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../index/temp_home.hpp"
#include "eval/niah.hpp"
#include "report/plot.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::report {
namespace {

using eval::NiahCell;
using eval::NiahResult;
using eval::summarize_niah;
using index::testing::TempDir;
using nlohmann::json;
using pipeline::Mode;

const std::string kHostile = "<script>alert('x')</script> & \"quoted\" | *bold* [link](javascript:evil) <img src=x onerror=alert(1)>";

json ask_result(const std::string& answer) {
  return {{"question", "Who was Tesla?"},
          {"answer", answer},
          {"mode", "rag"},
          {"route", "rag"},
          {"reason", "rag asked for"},
          {"citations",
           {{"citations", json::array({{{"marker", 1}, {"chunk_id", 7}, {"document", "/docs/tesla.txt"},
                                        {"source_start", 10}, {"source_end", 90}, {"found_by", "marker"},
                                        {"quote", "Tesla was born in 1856"}}})}}},
          {"prompt_tokens", 812},
          {"generated_tokens", 16},
          {"time_to_first_token_s", 1.5},
          {"total_s", 2.25},
          {"peak_rss_bytes", 200 << 20},
          {"kv_bytes", 24 << 20},
          {"cost", {{"hosted", json::array({{{"model", "llama-4-scout"}, {"total_usd", 0.0000947}}})}}}};
}

json eval_result() {
  json summaries = json::array();
  for (const char* mode : {"lc", "rag", "auto"}) {
    summaries.push_back({{"mode", mode},
                         {"questions", 40},
                         {"accuracy", {{"mean", std::string(mode) == "rag" ? 0.3 : 0.2}, {"stderr", 0.07}}},
                         {"exact_match", {{"mean", 0.1}, {"stderr", 0.05}}},
                         {"f1", {{"mean", 0.25}, {"stderr", 0.04}}},
                         {"mean_prompt_tokens", 1200},
                         {"mean_generated_tokens", 20},
                         {"mean_seconds", 3.5},
                         {"peak_rss_bytes", 300 << 20},
                         {"degenerate", 1},
                         {"routed_lc", 3},
                         {"routed_rag", 37},
                         {"fallbacks", 3},
                         {"a_field_from_the_future", "ignored"}});
  }
  json questions = json::array();
  questions.push_back({{"id", "q1"}, {"mode", "rag"}, {"route", "rag"}, {"question", "What is 2+2?"},
                       {"answer", kHostile}, {"gold", json::array({"four", "4"})}, {"correct", false}});
  questions.push_back({{"id", "q2"}, {"mode", "lc"}, {"route", "lc"}, {"question", "Right one?"},
                       {"answer", "RIGHT-ANSWER-TEXT"}, {"gold", json::array({"yes"})}, {"correct", true}});
  return {{"set", "pg-questions"},
          {"model", "SmolLM2-135M-Instruct"},
          {"collections", json::array({"pg"})},
          {"modes", json::array({"lc", "rag", "auto"})},
          {"interrupted", false},
          {"summaries", summaries},
          {"goal", {{"evaluated", true}, {"verdict", "not met: auto accuracy 0.200 vs rag 0.300 ± 0.070"}}},
          {"questions", questions}};
}

json niah_result() {
  NiahResult r;
  r.model = "SmolLM2";
  r.lengths = {256, 512};
  r.depths = {0, 100};
  r.modes = {Mode::kLc, Mode::kRag};
  for (Mode m : r.modes) {
    for (int l : r.lengths) {
      for (double d : r.depths) {
        NiahCell c;
        c.mode = m;
        c.length = l;
        c.depth = d;
        c.hit = m == Mode::kLc;
        c.answer = c.hit ? "cardamom" : kHostile;
        c.prompt_tokens = l + 100;
        r.cells.push_back(c);
      }
    }
  }
  r.summaries = summarize_niah(r.cells, r.modes, {{"llama-4-scout", 0.11, 0.34, ""}});
  return to_json(r);
}

class ReportTest : public ::testing::Test {
 protected:
  int64_t add(const std::string& kind, json result, const std::string& question = "Who was Tesla?") {
    index::RunRecord run;
    run.kind = kind;
    run.collection = "sample";
    run.question = question;
    run.route = "rag";
    run.params = {{"model", "SmolLM2-135M-Instruct"}};
    run.result = std::move(result);
    return store_.add_run(run);
  }
  index::RunRecord get(int64_t id) {
    auto r = store_.get_run(id);
    EXPECT_TRUE(r.has_value());
    return *r;
  }
  TempDir dir_, out_;
  index::Store store_{dir_.path() + "/store.sqlite"};
};

TEST_F(ReportTest, EscapersNeutraliseMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(markdown_escape("a|b *c* <d>\nnext"), "a\\|b \\*c\\* &lt;d&gt; next");
}

TEST_F(ReportTest, AskAndCompareShowQuestionRouteAnswerCitationsAndEscapeHostileText) {
  int64_t ask = add("ask", ask_result(kHostile));
  json refused = {{"mode", "lc"}, {"error", "the collection needs 90000 tokens"}};
  int64_t cmp = add("compare", {{"modes", json::array({refused, ask_result("Tesla was born in 1856 [C1].")})}});
  ReportOptions o;
  o.out_dir = out_.path() + "/r";
  ReportOutput out = write_report({get(ask), get(cmp)}, o);
  ASSERT_EQ(out.files.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(o.out_dir + "/report.md"));
  EXPECT_EQ(read_file(o.out_dir + "/report.html"), out.html);

  // No markup from run text survives, in either format.
  EXPECT_EQ(out.html.find("<script"), std::string::npos);
  EXPECT_EQ(out.html.find("<img src=x"), std::string::npos);
  EXPECT_NE(out.html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(out.markdown.find("<script"), std::string::npos);
  EXPECT_NE(out.markdown.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(out.html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(out.html.find("</html>"), std::string::npos);

  for (const std::string* text : {&out.html, &out.markdown}) {
    EXPECT_NE(text->find("Who was Tesla?"), std::string::npos);
    EXPECT_NE(text->find("rag asked for"), std::string::npos);   // reason
    EXPECT_NE(text->find("/docs/tesla.txt"), std::string::npos);  // citation
    EXPECT_NE(text->find("812"), std::string::npos);              // prompt tokens
    EXPECT_NE(text->find("refused: the collection needs 90000 tokens"), std::string::npos);
    EXPECT_TRUE(text->find("Tesla was born in 1856 \\[C1\\]") != std::string::npos ||  // markdown
                text->find("Tesla was born in 1856 [C1]") != std::string::npos);     // html
  }
}

TEST_F(ReportTest, NiahWritesAHeatMapPerModeAndTheCostTable) {
  int64_t id = add("niah", niah_result(), "needle in a haystack");
  ReportOptions o;
  o.out_dir = out_.path();
  o.markdown = false;
  ReportOutput out = write_report({get(id)}, o);
  const std::string lc = out_.path() + "/run-" + std::to_string(id) + "-niah-lc.svg";
  const std::string rag = out_.path() + "/run-" + std::to_string(id) + "-niah-rag.svg";
  ASSERT_EQ(out.files, (std::vector<std::string>{lc, rag, out_.path() + "/report.html"}));
  for (const auto& f : {lc, rag}) {
    std::string svg = read_file(f);
    EXPECT_NE(svg.find("<svg"), std::string::npos) << f;
    EXPECT_GT(svg.size(), 500u);
  }
  EXPECT_TRUE(out.markdown.empty());
  EXPECT_FALSE(std::filesystem::exists(out_.path() + "/report.md"));
  EXPECT_NE(out.html.find("<img src=\"run-" + std::to_string(id) + "-niah-lc.svg\""), std::string::npos);
  EXPECT_NE(out.html.find("llama-4-scout $/question"), std::string::npos);
  EXPECT_NE(out.html.find("<td>100%</td>"), std::string::npos);  // lc grid cells
  EXPECT_EQ(out.html.find("<script"), std::string::npos);         // missed answers are hostile
}

TEST_F(ReportTest, EvalShowsSummaryGoalBarChartAndOnlyWrongAnswers) {
  int64_t id = add("eval", eval_result(), "");
  json sparse = eval_result();  // missing optional parts: no goal, no EM/F1, no questions
  sparse.erase("goal");
  sparse.erase("questions");
  for (auto& s : sparse["summaries"]) {
    s.erase("exact_match");
    s.erase("f1");
  }
  int64_t sparse_id = add("eval", sparse, "");
  ReportOptions o;
  o.out_dir = out_.path();
  ReportOutput out = write_report({get(id), get(sparse_id)}, o);
  const std::string chart = out_.path() + "/run-" + std::to_string(id) + "-accuracy.svg";
  ASSERT_TRUE(std::filesystem::exists(chart));
  EXPECT_NE(read_file(chart).find("<svg"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out_.path() + "/run-" + std::to_string(sparse_id) + "-accuracy.svg"));
  for (const std::string* text : {&out.html, &out.markdown}) {
    EXPECT_NE(text->find("0.300 ± 0.070"), std::string::npos);  // rag accuracy with its s.e.
    EXPECT_NE(text->find("not met: auto accuracy 0.200"), std::string::npos);
    EXPECT_NE(text->find("What is 2+2?"), std::string::npos);   // the wrong answer's question
    EXPECT_EQ(text->find("RIGHT-ANSWER-TEXT"), std::string::npos);  // right answers are not sampled
    EXPECT_EQ(text->find("a_field_from_the_future"), std::string::npos);
  }
  EXPECT_EQ(out.html.find("<script"), std::string::npos);
}

TEST_F(ReportTest, OtherKindsGetTheirParametersAndBadCallsAreErrors) {
  int64_t id = add("eval-retrieval", {{"ndcg_at_10", 0.61}}, "");
  ReportOptions o;
  o.out_dir = out_.path();
  ReportOutput out = write_report({get(id)}, o);
  EXPECT_NE(out.markdown.find("SmolLM2-135M-Instruct"), std::string::npos);
  EXPECT_NE(out.html.find("eval-retrieval"), std::string::npos);
  EXPECT_THROW(write_report({}, o), Error);
  o.markdown = o.html = false;
  EXPECT_THROW(write_report({get(id)}, o), Error);
  // A niah run whose cells are unreadable is a clear corrupt-data error.
  int64_t bad = add("niah", {{"lengths", json::array({256})},
                            {"depths", json::array({0})},
                            {"modes", json::array({"lc"})},
                            {"cells", json::array({json{{"mode", "lc"}}})}});
  o.markdown = true;
  try {
    write_report({get(bad)}, o);
    FAIL() << "an unreadable niah run rendered";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
  }
}

TEST(Plot, BarChartWritesSvgAndRejectsBadValues) {
  TempDir dir;
  BarChart c{"accuracy", "accuracy", {"lc", "rag", "auto"}, {0.2, 0.35, 1.0}, {0.05, 0.07, 0.0}};
  write_bar_chart(c, dir / "bars.svg");
  std::string svg = read_file(dir / "bars.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  write_bar_chart(c, dir / "bars.png");
  EXPECT_EQ(read_file(dir / "bars.png").substr(1, 3), "PNG");
  BarChart bad = c;
  bad.values[1] = 1.5;
  EXPECT_THROW(write_bar_chart(bad, dir / "bad.svg"), Error);
  bad = c;
  bad.errors = {0.1};
  EXPECT_THROW(write_bar_chart(bad, dir / "bad.svg"), Error);
  EXPECT_THROW(write_bar_chart(c, dir / "bars.pdf"), Error);
  EXPECT_THROW(write_bar_chart(BarChart{}, dir / "empty.svg"), Error);
}

}  // namespace
}  // namespace hayloft::report
