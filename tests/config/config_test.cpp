#include "config/config.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace hayloft::config {
namespace {

using nlohmann::json;

TEST(Config, DefaultsFillEveryField) {
  // Every key the structs know must be present in defaults.json, so no field silently keeps its
  // zero-initialiser.
  json defaults = json::parse(defaults_json_text());
  json serialised = to_json(Config{});
  for (const auto& [section, fields] : serialised.items()) {
    ASSERT_TRUE(defaults.contains(section)) << section;
    for (const auto& [key, value] : fields.items()) {
      EXPECT_TRUE(defaults[section].contains(key)) << section << "." << key << " missing from defaults.json";
    }
  }
}

TEST(Config, OverlayReplacesOnlyGivenKeys) {
  Config c = load({json{{"ingest", {{"chunk_tokens", 99}}}}});
  EXPECT_EQ(c.ingest.chunk_tokens, 99);
  Config d = load();
  EXPECT_EQ(c.ingest.chunk_overlap_tokens, d.ingest.chunk_overlap_tokens);
  EXPECT_NE(d.ingest.chunk_tokens, 0);
}

TEST(Config, UnknownKeyIsAnErrorNamingThePath) {
  try {
    load({json{{"ingest", {{"chunk_tokns", 1}}}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("ingest.chunk_tokns"), std::string::npos) << e.what();
  }
}

TEST(Config, WrongTypeIsAnError) {
  EXPECT_THROW(load({json{{"engine", {{"threads", "many"}}}}}), Error);
}

TEST(Config, WordSettingsAreCheckedAtLoadNamingKeyAndChoices) {
  struct Case {
    json overlay;
    std::string key;
  };
  for (const Case& c : {Case{{{"engine", {{"kv_type", "q3"}}}}, "engine.kv_type"},
                        Case{{{"pipeline", {{"default_mode", "LC"}}}}, "pipeline.default_mode"},
                        Case{{{"pipeline", {{"lc_overflow", "drop"}}}}, "pipeline.lc_overflow"}}) {
    try {
      load({c.overlay});
      ADD_FAILURE() << "no error for " << c.key;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(c.key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("expected one of"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(load({json{{"pipeline", {{"default_mode", "rag"}}}}}).pipeline.default_mode, "rag");
}

TEST(Config, HomeFlagWinsOverEnvironment) {
  setenv("HAYLOFT_HOME", "/tmp/from-env", 1);
  EXPECT_EQ(resolve_home("/tmp/from-flag"), "/tmp/from-flag");
  EXPECT_EQ(resolve_home(""), "/tmp/from-env");
  unsetenv("HAYLOFT_HOME");
}

}  // namespace
}  // namespace hayloft::config
