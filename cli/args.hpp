#pragma once
// A small argv parser: each subcommand declares its options once (name, value, help, default) and the same
// declaration drives parsing and --help, so the help cannot drift from what is accepted.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hayloft::cli {

struct OptionSpec {
  std::string name;        // long name without dashes, e.g. "collection"
  char short_name = 0;     // e.g. 'k'; 0 for none
  std::string value_name;  // e.g. "NAME"; empty for a boolean flag
  std::string help;
  std::string default_text;  // shown in --help; empty for none
  bool repeatable = false;   // may be given several times (values collected in order)
};

struct CommandSpec {
  std::string name;      // e.g. "ingest" or "model list"
  std::string summary;   // one line for the command list
  std::string usage;     // e.g. "[--collection NAME] PATH..."
  std::string description;  // paragraphs shown by --help
  std::vector<OptionSpec> options;
  int min_positional = 0;
  int max_positional = 0;  // -1: unlimited
};

// Thrown for bad command lines: exit code 2, message and a pointer to --help.
struct UsageError {
  std::string message;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback = {}) const;
  std::optional<std::string> find(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  // Numeric accessors throw UsageError naming the option when the value does not parse.
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend ParsedArgs parse_args(const CommandSpec&, const std::vector<std::string>&);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Options every subcommand accepts (--json, --home, --config, -v, -h).
const std::vector<OptionSpec>& common_options();

// Parses args (after the subcommand words). Accepts --name=value, --name value, -k value, and "--" to end
// options. Throws UsageError for unknown options, missing values and wrong positional counts.
ParsedArgs parse_args(const CommandSpec& spec, const std::vector<std::string>& args);

std::string help_text(const CommandSpec& spec);

// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_list(const std::string& text, char sep = ',');

}  // namespace hayloft::cli
