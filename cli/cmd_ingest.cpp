// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec ingest_spec() { return {"ingest", "(not built yet)", "", "", {}, 0, -1}; }

int ingest_run(Context&) { throw Error(ErrorKind::kUnsupported, "'ingest' is not built yet"); }

}  // namespace hayloft::cli
