// The NIAH runner: builds each haystack, stores it in a scratch Library (one collection per mode) and
// asks the needle's question through the Answerer, so lc and rag are the product's own routes: the lc
// rendering with chunk markers, and Xapian search + OP-RAG packing for rag.
#include <algorithm>
#include <cctype>

#include "index/index.hpp"
#include "ingest/ingest.hpp"
#include "pipeline/answerer.hpp"
#include "eval/niah.hpp"
#include "pipeline/prompt.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace hayloft::eval {

namespace {

std::string collection_of(Mode mode) { return mode == Mode::kLc ? "niah-lc" : "niah-rag"; }

// Replaces whatever `collection` held with one document: the haystack. lc chunks without overlap, so the
// context holds the haystack exactly once (an overlap could repeat the needle); rag chunks as ingest
// does (config sizes and overlap, approximate counter).
void put_haystack(index::Library& library, Mode mode, const std::string& text, const config::Config& config) {
  const std::string collection = collection_of(mode);
  if (library.store().find_collection(collection)) library.remove_collection(collection);
  ingest::ChunkOptions chunk = ingest::chunk_options(config.ingest);
  if (mode == Mode::kLc) chunk.overlap_tokens = 0;
  index::NewDocument nd;
  nd.doc = ingest::read_bytes(text, "haystack.txt", ingest::read_options(config.ingest));
  nd.chunks = ingest::chunk_document(nd.doc, ingest::approximate_token_counter(), chunk);
  std::vector<index::NewDocument> docs;
  docs.push_back(std::move(nd));
  library.add_documents(collection, std::move(docs));
}

void check_options(const std::vector<Needle>& needles, const NiahOptions& o, const std::string& filler) {
  if (needles.empty()) throw Error(ErrorKind::kInvalidArgument, "no needles given");
  if (filler.empty()) throw Error(ErrorKind::kInvalidArgument, "the haystack filler is empty");
  if (o.lengths.empty() || o.depths.empty() || o.modes.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "niah needs at least one length, one depth and one mode");
  }
  for (Mode m : o.modes) {
    if (m == Mode::kAuto) throw Error(ErrorKind::kInvalidArgument, "niah runs the lc and rag routes; auto is not one");
  }
  if (o.max_tokens < 1) throw Error(ErrorKind::kInvalidArgument, "max tokens must be >= 1");
}

// Every lc length must fit the window, checked before the first generation so a long grid does not
// fail hours in. Returns the lengths that fit (all of them unless o.drop_unfit_lengths).
std::vector<int> lengths_that_fit(const std::vector<Needle>& needles, const NiahOptions& o, Generator& generator,
                                  const config::Config& config) {
  if (std::find(o.modes.begin(), o.modes.end(), Mode::kLc) == o.modes.end()) return o.lengths;
  const int instructions =
      generator.render(pipeline::build_messages(config.pipeline, Route::kLc, pipeline::RenderedContext{}, "", false)).tokens;
  int question = 0;
  for (const Needle& n : needles) {
    question = std::max(question, generator.count_tokens(o.completion ? completion_question(n) : n.question));
  }
  const int window = generator.context_window();
  std::vector<int> fit;
  std::string too_long;
  for (int length : o.lengths) {
    int need = niah_lc_tokens_needed(length, instructions, question, config);
    if (need <= window) {
      fit.push_back(length);
    } else if (too_long.empty()) {
      too_long = "a " + length_label(length) + "-token haystack needs about " + std::to_string(need) +
                 " tokens in lc (markers, instructions, question, answer reserve) but the window is " +
                 std::to_string(window) + ": use smaller --lengths, a larger --ctx or --modes rag";
    }
  }
  if (!too_long.empty() && (!o.drop_unfit_lengths || fit.empty())) {
    throw Error(ErrorKind::kResourceExhausted, too_long);
  }
  return fit;
}

}  // namespace

std::string completion_question(const Needle& needle) {
  std::string q = "Question: " + needle.question + "\nAnswer:";
  size_t at = ascii_lower(needle.needle).find(ascii_lower(needle.answer));
  if (at == std::string::npos || at == 0) return q;
  std::string lead = needle.needle.substr(0, at);
  while (!lead.empty() && lead.back() == ' ') lead.pop_back();
  return q + " " + lead;
}

NiahResult run_niah(const std::string& filler, const std::vector<Needle>& needles, const NiahOptions& options,
                    Generator& generator, const ModelInfo& model, const std::string& model_key,
                    const config::Config& base_config, const std::string& scratch_home,
                    const NiahProgress& progress, const NiahStop& stop) {
  config::Config config = base_config;
  if (options.completion) {
    config.pipeline.lc_template = config.pipeline.rag_template = "{context}\n\n{question}";
  }
  check_options(needles, options, filler);
  const std::vector<int> lengths = lengths_that_fit(needles, options, generator, config);

  NiahResult result;
  result.model = generator.model_name();
  result.lengths = lengths;
  for (int l : options.lengths) {
    if (std::find(lengths.begin(), lengths.end(), l) == lengths.end()) result.dropped_lengths.push_back(l);
  }
  result.depths = options.depths;
  result.modes = options.modes;
  index::Library library(scratch_home, config, index::Library::Mode::kWrite);
  Answerer answerer(library, generator, model, model_key, config);
  TokenCounter count = [&generator](std::string_view s) { return generator.count_tokens(s); };

  const size_t total = lengths.size() * options.depths.size() * needles.size() * options.modes.size();
  for (int length : lengths) {
    for (double depth : options.depths) {
      for (size_t n = 0; n < needles.size() && !result.interrupted; ++n) {
        const NiahCase c = build_niah(filler, needles[n], length, depth, count);
        const std::string needle_text(trim(needles[n].needle));
        for (Mode mode : options.modes) {
          if (stop && stop()) {
            result.interrupted = true;
            break;
          }
          put_haystack(library, mode, c.text, config);
          const std::string question =
              options.completion ? completion_question(needles[n]) : needles[n].question;
          AskRequest request{collection_of(mode), question, mode, options.max_tokens, options.top_k};
          AskOutcome out = answerer.ask(request);
          NiahCell cell;
          cell.mode = mode;
          cell.length = length;
          cell.depth = depth;
          cell.needle = static_cast<int>(n);
          cell.answer = out.answer.text;
          cell.hit = niah_hit(cell.answer, needles[n]);
          const GenerateMetrics& m = out.answer.attempts.back().metrics;
          cell.prompt_tokens = m.prompt_tokens;
          cell.generated_tokens = m.generated_tokens;
          for (const Attempt& a : out.answer.attempts) cell.seconds += a.metrics.total_s;
          cell.actual_depth = c.actual_depth_percent;
          for (const ContextChunk& chunk : out.context) {
            cell.needle_in_context = cell.needle_in_context || chunk.text.find(needle_text) != std::string::npos;
          }
          cell.degenerate = out.answer.degeneration.degenerate();
          result.cells.push_back(std::move(cell));
          if (progress) progress(result.cells.back(), result.cells.size(), total);
        }
      }
    }
  }
  for (Mode mode : options.modes) {
    if (library.store().find_collection(collection_of(mode))) library.remove_collection(collection_of(mode));
  }
  result.summaries = summarize_niah(result.cells, result.modes, config.pipeline.prices);
  return result;
}

}  // namespace hayloft::eval
