#pragma once
// Plain types shared by the pipeline's parts (planner, prompt, citations): the routes and a chunk as it is
// placed in a prompt. Internal header; other modules include pipeline/pipeline.hpp.
#include <cstdint>
#include <string>
#include <string_view>

namespace hayloft::pipeline {

// What the user asked for (--mode) and what a plan finally does.
enum class Mode { kLc, kRag, kAuto };
enum class Route { kLc, kRag };

const char* mode_name(Mode mode);    // "lc", "rag", "auto"
const char* route_name(Route route);  // "lc", "rag"
// Parses "lc" | "rag" | "auto"; throws Error{kInvalidArgument} naming the bad value.
Mode parse_mode(std::string_view text);

// One chunk as the pipeline puts it into a prompt: the index's chunk row plus its document's identity.
// The index fills these; the pipeline never needs more of the store than this.
struct ContextChunk {
  int64_t chunk_id = 0;      // index row id
  int64_t document_id = 0;   // index row id; collection order is (document_id, ordinal)
  std::string document_title;
  std::string document_path;
  int ordinal = 0;           // 0-based position in its document
  int page = 0;              // 1-based PDF page of the chunk start; 0 = no pages
  int64_t source_start = 0;  // [source_start, source_end) in the document's source bytes
  int64_t source_end = 0;
  std::string text;
  int tokens = 0;            // by the answering model's tokenizer; 0 = not counted yet
  double score = 0;          // retrieval score (BM25) when it came from a search; 0 otherwise
};

}  // namespace hayloft::pipeline
