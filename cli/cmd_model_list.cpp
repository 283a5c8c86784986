// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec model_list_spec() { return {"model list", "(not built yet)", "", "", {}, 0, -1}; }

int model_list_run(Context&) { throw Error(ErrorKind::kUnsupported, "'model list' is not built yet"); }

}  // namespace hayloft::cli
