#pragma once
// The string helpers every module needs, defined once.
#include <string>
#include <string_view>

namespace hayloft {

// ASCII letters lower-cased; every other byte (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view s);

// `s` without leading and trailing C isspace() characters (space, \t, \n, \v, \f, \r), the set the Gemma
// chat template's trim and llama.cpp use.
std::string_view trim(std::string_view s);

}  // namespace hayloft
