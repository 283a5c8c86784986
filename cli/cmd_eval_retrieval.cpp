// Placeholder until the owning issue lands this command.
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace hayloft::cli {

CommandSpec eval_retrieval_spec() { return {"eval-retrieval", "(not built yet)", "", "", {}, 0, -1}; }

int eval_retrieval_run(Context&) { throw Error(ErrorKind::kUnsupported, "'eval-retrieval' is not built yet"); }

}  // namespace hayloft::cli
