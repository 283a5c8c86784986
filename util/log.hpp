#pragma once
// Logging goes to stderr through spdlog (the only singleton); stdout belongs to results and --json.
#include <spdlog/spdlog.h>

namespace hayloft {

// Sets up the stderr logger once; verbose enables debug level.
void init_logging(bool verbose);

}  // namespace hayloft
