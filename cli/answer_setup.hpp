#pragma once
// The flags every command that runs a model shares (--model, --threads, --ctx; -n and --top-k for the
// answering ones), turned into app requests. Values out of range are usage errors.
#include <string>
#include <vector>

#include "app/app.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

// --model, -n, --top-k, --threads, --ctx as ask declares them; `tokens_default` is shown in --help.
std::vector<OptionSpec> answer_options(const std::string& tokens_help, const std::string& tokens_default);

// The context's home and config as the app sees them.
app::Home home_of(const Context& ctx);

// --model, --threads and --ctx, checked against the config (UsageError for values out of range).
app::EngineChoice engine_choice(const Context& ctx);

// -n (1..100000; `default_tokens` when absent) and --top-k (0 = config) into a request.
void apply_generation_flags(const Context& ctx, int default_tokens, pipeline::AskRequest& request);

}  // namespace hayloft::cli
