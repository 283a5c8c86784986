// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec generate_spec() { return {"generate", "(not built yet)", "", "", {}, 0, -1}; }

int generate_run(Context&) { throw Error(ErrorKind::kUnsupported, "'generate' is not built yet"); }

}  // namespace hayloft::cli
