#include "cli/args.hpp"

#include <sstream>

namespace hayloft::cli {

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> options = {
      {"json", 0, "", "print exactly one JSON document on stdout (logs stay on stderr)"},
      {"home", 0, "DIR", "where hayloft keeps its data", "$HAYLOFT_HOME or ~/.local/share/hayloft"},
      {"config", 0, "FILE", "JSON file overriding config/defaults.json"},
      {"verbose", 'v', "", "debug logging on stderr"},
      {"help", 'h', "", "show this help"},
  };
  return options;
}

namespace {

const OptionSpec* find_option(const CommandSpec& spec, const std::string& name, char short_name) {
  for (const auto* list : {&spec.options, &common_options()}) {
    for (const auto& opt : *list) {
      if ((!name.empty() && opt.name == name) || (short_name && opt.short_name == short_name)) return &opt;
    }
  }
  return nullptr;
}

}  // namespace

bool ParsedArgs::has(const std::string& name) const { return values_.count(name) > 0; }

std::optional<std::string> ParsedArgs::find(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  return find(name).value_or(fallback);
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t ParsedArgs::get_int(const std::string& name, int64_t fallback) const {
  auto v = find(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    int64_t out = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
    return out;
  } catch (const std::exception&) {
    throw UsageError{"--" + name + " expects an integer, got '" + *v + "'"};
  }
}

double ParsedArgs::get_double(const std::string& name, double fallback) const {
  auto v = find(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    double out = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
    return out;
  } catch (const std::exception&) {
    throw UsageError{"--" + name + " expects a number, got '" + *v + "'"};
  }
}

ParsedArgs parse_args(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name, inline_value;
    bool has_inline = false;
    const OptionSpec* opt = nullptr;
    if (arg[1] == '-') {
      name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      opt = find_option(spec, name, 0);
    } else {
      if (arg.size() > 2) {  // -k10 or -vk?  Only "-kVALUE" for value options.
        inline_value = arg.substr(2);
        has_inline = true;
      }
      opt = find_option(spec, "", arg[1]);
    }
    if (!opt) throw UsageError{"unknown option '" + arg + "'"};
    std::string value;
    if (opt->value_name.empty()) {
      if (has_inline) throw UsageError{"option '--" + opt->name + "' takes no value"};
    } else if (has_inline) {
      value = inline_value;
    } else {
      if (i + 1 >= args.size()) throw UsageError{"option '--" + opt->name + "' needs a value (" + opt->value_name + ")"};
      value = args[++i];
    }
    auto& slot = out.values_[opt->name];
    if (!opt->repeatable) slot.clear();
    slot.push_back(value);
  }
  if (out.has("help")) return out;  // --help wins over positional checks
  int n = static_cast<int>(out.positional_.size());
  if (n < spec.min_positional) {
    throw UsageError{"missing argument: usage: hayloft " + spec.name + " " + spec.usage};
  }
  if (spec.max_positional >= 0 && n > spec.max_positional) {
    throw UsageError{"unexpected argument '" + out.positional_[static_cast<size_t>(spec.max_positional)] +
                     "': usage: hayloft " + spec.name + " " + spec.usage};
  }
  return out;
}

std::string help_text(const CommandSpec& spec) {
  std::ostringstream os;
  os << "usage: hayloft " << spec.name << " " << spec.usage << "\n\n" << spec.summary << "\n";
  if (!spec.description.empty()) os << "\n" << spec.description << "\n";
  auto print = [&os](const std::vector<OptionSpec>& options) {
    for (const auto& opt : options) {
      std::string left = "  ";
      left += opt.short_name ? std::string("-") + opt.short_name + ", " : "    ";
      left += "--" + opt.name;
      if (!opt.value_name.empty()) left += " " + opt.value_name;
      os << left;
      if (left.size() < 28) os << std::string(28 - left.size(), ' ');
      else os << "\n" << std::string(28, ' ');
      os << opt.help;
      if (!opt.default_text.empty()) os << " (default: " << opt.default_text << ")";
      if (opt.repeatable) os << " (repeatable)";
      os << "\n";
    }
  };
  if (!spec.options.empty()) {
    os << "\noptions:\n";
    print(spec.options);
  }
  os << "\ncommon options:\n";
  print(common_options());
  return os.str();
}

std::vector<std::string> split_list(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream is(text);
  while (std::getline(is, part, sep)) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace hayloft::cli
