#pragma once
// util: the small shared toolbox every module may use. Other modules include only this header.
#include "util/error.hpp"
#include "util/file_map.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"
#include "util/text.hpp"
#include "util/thread_pool.hpp"
#include "util/timing.hpp"
