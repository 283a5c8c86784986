#include "pipeline/types.hpp"

#include "util/error.hpp"

namespace hayloft::pipeline {

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kLc: return "lc";
    case Mode::kRag: return "rag";
    case Mode::kAuto: return "auto";
  }
  return "?";
}

const char* route_name(Route route) { return route == Route::kLc ? "lc" : "rag"; }

Mode parse_mode(std::string_view text) {
  if (text == "lc") return Mode::kLc;
  if (text == "rag") return Mode::kRag;
  if (text == "auto") return Mode::kAuto;
  throw Error(ErrorKind::kInvalidArgument,
              "unknown mode '" + std::string(text) + "' (expected lc, rag or auto)");
}

}  // namespace hayloft::pipeline
