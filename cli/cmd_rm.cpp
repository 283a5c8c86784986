// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec rm_spec() { return {"rm", "(not built yet)", "", "", {}, 0, -1}; }

int rm_run(Context&) { throw Error(ErrorKind::kUnsupported, "'rm' is not built yet"); }

}  // namespace hayloft::cli
