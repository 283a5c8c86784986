#include "util/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace hayloft {

void init_logging(bool verbose) {
  auto logger = spdlog::get("hayloft");
  if (!logger) {
    logger = spdlog::stderr_color_mt("hayloft");
    logger->set_pattern("%^[%L]%$ %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
}

}  // namespace hayloft
