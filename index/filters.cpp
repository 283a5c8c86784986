// parse_filter(): the `--filter k:v` mini-language of `hayloft search`.
#include <charconv>
#include <ctime>

#include "index/index.hpp"
#include "util/error.hpp"

namespace hayloft::index {
namespace {

// "YYYY-MM-DD" (UTC midnight) or a plain integer (seconds since the epoch).
int64_t parse_date(const std::string& text, const std::string& item) {
  int64_t seconds = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return seconds;
  std::tm tm{};
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
      d > 31 || y < 1970 || y > 9999) {
    throw Error(ErrorKind::kInvalidArgument, "date must be YYYY-MM-DD", item);
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return static_cast<int64_t>(timegm(&tm));
}

int64_t parse_id(const std::string& text, const std::string& item) {
  int64_t id = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), id);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || id <= 0) {
    throw Error(ErrorKind::kInvalidArgument, "doc: needs a positive document id", item);
  }
  return id;
}

}  // namespace

void parse_filter(const std::string& item, Filters& filters) {
  size_t colon = item.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "a filter is KEY:VALUE (collection:, doc:, type:, lang:, after:, before:, or metadata)", item);
  }
  std::string key = item.substr(0, colon);
  std::string value = item.substr(colon + 1);
  if (key == "collection") {
    filters.collections.push_back(value);
  } else if (key == "doc" || key == "document") {
    filters.documents.push_back(parse_id(value, item));
  } else if (key == "type") {
    filters.types.push_back(value);
  } else if (key == "lang" || key == "language") {
    filters.languages.push_back(value);
  } else if (key == "after") {
    filters.after = parse_date(value, item);
  } else if (key == "before") {
    filters.before = parse_date(value, item);
  } else {
    filters.metadata.emplace_back(key, value);
  }
}

}  // namespace hayloft::index
