#include "util/error.hpp"

namespace hayloft {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return "invalid_argument";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kCorrupt: return "corrupt";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kUnsupported: return "unsupported";
    case ErrorKind::kResourceExhausted: return "resource_exhausted";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message, std::string context)
    : std::runtime_error(format(message, context)),
      kind_(kind),
      message_(std::move(message)),
      context_(std::move(context)) {}

std::string Error::format(const std::string& message, const std::string& context) {
  return context.empty() ? message : context + ": " + message;
}

Error Error::with_context(const std::string& outer) const {
  return Error(kind_, message_, context_.empty() ? outer : outer + ": " + context_);
}

}  // namespace hayloft
