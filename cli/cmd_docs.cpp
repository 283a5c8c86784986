// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec docs_spec() { return {"docs", "(not built yet)", "", "", {}, 0, -1}; }

int docs_run(Context&) { throw Error(ErrorKind::kUnsupported, "'docs' is not built yet"); }

}  // namespace hayloft::cli
