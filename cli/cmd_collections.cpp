// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec collections_spec() { return {"collections", "(not built yet)", "", "", {}, 0, -1}; }

int collections_run(Context&) { throw Error(ErrorKind::kUnsupported, "'collections' is not built yet"); }

}  // namespace hayloft::cli
