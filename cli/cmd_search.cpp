// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec search_spec() { return {"search", "(not built yet)", "", "", {}, 0, -1}; }

int search_run(Context&) { throw Error(ErrorKind::kUnsupported, "'search' is not built yet"); }

}  // namespace hayloft::cli
