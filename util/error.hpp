#pragma once
// hayloft::Error: the one exception type. Load, parse and I/O paths throw it; only cli/ and web/ catch it
// and map `kind` to an exit code or HTTP status. Hot paths never throw.
#include <stdexcept>
#include <string>

namespace hayloft {

enum class ErrorKind {
  kInvalidArgument,     // the caller asked for something malformed (usage error, bad flag, bad query)
  kNotFound,            // a named thing does not exist (collection, model, file, run)
  kCorrupt,             // bytes that do not parse (GGUF, PDF, DOCX, database)
  kIo,                  // the OS said no (open, read, write, mmap)
  kUnsupported,         // well-formed but not handled (architecture, tensor type, encoding)
  kResourceExhausted,   // over a limit (file size, context window, memory budget)
  kCancelled,           // the user or a signal stopped it
  kInternal,            // our bug
};

const char* error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string context = {});

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // Where it happened: file, offset, tensor, chunk. Stages add to it as the error travels up.
  const std::string& context() const { return context_; }

  // Rethrow with more context, e.g. `catch (Error& e) { throw e.with_context("loading " + path); }`.
  Error with_context(const std::string& outer) const;

 private:
  static std::string format(const std::string& message, const std::string& context);
  ErrorKind kind_;
  std::string message_;
  std::string context_;
};

}  // namespace hayloft

// Debug-only invariant checks for hot paths, where inputs were validated at load time.
#ifdef NDEBUG
#define HL_DASSERT(cond) ((void)0)
#else
#include <cassert>
#define HL_DASSERT(cond) assert(cond)
#endif
