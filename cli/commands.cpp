#include "cli/commands.hpp"

#include <cstdio>

namespace hayloft::cli {

void print_json(const nlohmann::json& doc) {
  // error_handler_t::replace: text from documents may hold invalid UTF-8; JSON output must stay valid.
  std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {ingest_spec, ingest_run},
      {search_spec, search_run},
      {collections_spec, collections_run},
      {docs_spec, docs_run},
      {rm_spec, rm_run},
      {eval_retrieval_spec, eval_retrieval_run},
      {model_list_spec, model_list_run},
      {model_plan_spec, model_plan_run},
      {generate_spec, generate_run},
      {ask_spec, ask_run},
      {compare_spec, compare_run},
      {eval_spec, eval_run},
      {runs_spec, runs_run},
      {runs_show_spec, runs_show_run},
      {niah_spec, niah_run},
      {report_spec, report_run},
      {config_show_spec, config_show_run},
      {serve_spec, serve_run},
      {shards_list_spec, shards_list_run},
      {shards_add_spec, shards_add_run},
      {shards_rm_spec, shards_rm_run},
      {serve_shard_spec, serve_shard_run},
  };
  return table;
}

}  // namespace hayloft::cli
