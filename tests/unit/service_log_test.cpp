#include "actors/service_log.hpp"
#include "config/secrets.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>

namespace eventrouter {
namespace {

namespace json = boost::json;
using config::mask_secrets;
using config::may_hold_secrets;

TEST(mask_secrets, masks_the_password_of_a_url_of_any_scheme) {
  EXPECT_EQ(mask_secrets("redis://user:s3cret@redis.internal:6379/0"), "redis://user:***@redis.internal:6379/0");
  EXPECT_EQ(mask_secrets("redis://:s3cret@host"), "redis://:***@host");
  EXPECT_EQ(mask_secrets("connecting to http://registry:pw@10.0.0.1:8081/path failed"),
            "connecting to http://registry:***@10.0.0.1:8081/path failed");
  EXPECT_EQ(mask_secrets("a amqp://u:p@h and then kafka+sasl://v:q@k"),
            "a amqp://u:***@h and then kafka+sasl://v:***@k");
}

TEST(mask_secrets, masks_a_lone_user_name_which_redis_reads_as_a_password) {
  EXPECT_EQ(mask_secrets("redis://s3cret@host:6379"), "redis://***@host:6379");
}

TEST(mask_secrets, masks_a_password_with_raw_reserved_characters_whole) {
  // The loader takes the credentials up to the last '@', so the mask does too.
  EXPECT_EQ(mask_secrets("is \"redis://user:pa/ss@w@rd@host:1/0\": bad"), "is \"redis://user:***@host:1/0\": bad");
}

TEST(mask_secrets, leaves_urls_without_credentials_and_other_text_alone) {
  for (std::string text : {"http://127.0.0.1:8080/v1/events", "block-v1:edX+DemoX+type@vertical+block@v1",
                           "mail ops@example.com", "", "http://host/a b@c"})
    EXPECT_EQ(mask_secrets(text), text);
}

TEST(mask_secrets, masks_bearer_and_basic_credentials_in_any_case) {
  EXPECT_EQ(mask_secrets("Authorization: Bearer eyJhbGciOi.x-y_z"), "Authorization: Bearer ***");
  EXPECT_EQ(mask_secrets(R"({"authorization":"bearer abc123","x":1})"), R"({"authorization":"bearer ***","x":1})");
  EXPECT_EQ(mask_secrets("sent Basic dXNlcjpwYXNz= and BASIC  xyz"), "sent Basic *** and BASIC  ***");
}

TEST(mask_secrets, leaves_the_words_alone_inside_longer_words) {
  for (std::string text : {"$.transports.kafka.schema_registry_basic_auth has no ':'", "Basically fine",
                           "Bearer", "a Bearer <token>"})
    EXPECT_EQ(mask_secrets(text), text);
}

TEST(mask_secrets, may_hold_secrets_is_false_only_for_text_it_would_not_change) {
  EXPECT_FALSE(may_hold_secrets("consumer 'x': webhook answered 503"));
  EXPECT_TRUE(may_hold_secrets("redis://u:p@h"));
  EXPECT_TRUE(may_hold_secrets("BEARER x"));
  EXPECT_TRUE(may_hold_secrets("basic x"));
}

// Captures what log_line writes; puts the log back as it was (stderr, JSON, info) afterwards.
class service_log : public ::testing::Test {
 protected:
  service_log() : file_(std::tmpfile()) { set_log_output(file_); }
  ~service_log() override {
    set_log_output(nullptr);
    set_log_format(log_format::json);
    set_log_level(log_level::info);
    std::fclose(file_);
  }

  std::string written() {
    std::fflush(file_);
    std::string out(static_cast<std::size_t>(std::ftell(file_)), '\0');
    std::rewind(file_);
    out.resize(std::fread(out.data(), 1, out.size(), file_));
    return out;
  }

 private:
  std::FILE* file_;
};

TEST_F(service_log, json_is_one_object_per_line_with_time_level_msg_and_the_fields) {
  log_line(log_level::warn, "delivery failed: \"503\"\nfrom the webhook",
           {{"consumer", "audit"}, {"event_id", "e-1"}, {"next", "retry in 200 ms"}});
  auto text = written();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  auto line = json::parse(text).as_object();
  EXPECT_TRUE(std::regex_match(std::string(line.at("time").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
    << line.at("time");
  EXPECT_EQ(line.at("level"), "warn");
  EXPECT_EQ(line.at("msg"), "delivery failed: \"503\"\nfrom the webhook");
  EXPECT_EQ(line.at("consumer"), "audit");
  EXPECT_EQ(line.at("event_id"), "e-1");
  EXPECT_EQ(line.at("next"), "retry in 200 ms");
  EXPECT_EQ(line.size(), 6u);
}

TEST_F(service_log, text_is_time_level_message_then_key_value_pairs) {
  set_log_format(log_format::text);
  log_line(log_level::warn, "consumer 'x': delivery failed",
           {{"event_id", "e-1"}, {"next", "retry in 200 ms"}, {"empty", ""}, {"quoted", "a=\"b\""}});
  log_line(log_level::error, "two problems:\n  first\nsecond");
  auto text = written();
  EXPECT_TRUE(std::regex_match(
    text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN  consumer 'x': delivery failed )"
                     R"(event_id=e-1 next="retry in 200 ms" empty="" quoted="a=\\"b\\""\n)"
                     // A message's own lines are indented, so none passes for an entry.
                     R"(\S+ ERROR two problems:\n  first\n  second\n)")))
    << text;
}

TEST_F(service_log, secrets_are_masked_in_the_message_and_every_field_value) {
  log_line(log_level::error, "cannot reach redis://u:hunter2@host:6379", {{"header", "Bearer tok-123"}});
  set_log_format(log_format::text);
  log_line(log_level::error, "again redis://u:hunter2@host", {{"url", "http://a:hunter2@b/"}});
  auto text = written();
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("tok-123"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("msg":"cannot reach redis://u:***@host:6379","header":"Bearer ***")"), std::string::npos)
    << text;
  EXPECT_NE(text.find("again redis://u:***@host url=http://a:***@b/"), std::string::npos) << text;
}

TEST_F(service_log, the_level_filters_what_is_below_it) {
  log_line(log_level::debug, "not by default");
  log_line(log_level::info, "info by default");
  set_log_level(log_level::warn);
  EXPECT_FALSE(log_enabled(log_level::info));
  EXPECT_TRUE(log_enabled(log_level::error));
  log_line(log_level::info, "filtered");
  log_line(log_level::warn, "a warning");
  log_line(log_level::error, "an error");
  set_log_level(log_level::debug);
  log_line(log_level::debug, "a detail");
  auto text = written();
  EXPECT_EQ(text.find("not by default"), std::string::npos) << text;
  EXPECT_EQ(text.find("filtered"), std::string::npos) << text;
  for (auto expected : {R"("level":"info","msg":"info by default")", R"("level":"warn","msg":"a warning")",
                        R"("level":"error","msg":"an error")", R"("level":"debug","msg":"a detail")"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
}

TEST(service_log_names, levels_and_formats_are_named_as_on_the_command_line) {
  EXPECT_EQ(log_level_named("debug"), log_level::debug);
  EXPECT_EQ(log_level_named("warn"), log_level::warn);
  EXPECT_EQ(log_level_named("error"), log_level::error);
  EXPECT_EQ(log_level_named("WARN"), std::nullopt);
  EXPECT_EQ(log_level_named("warning"), std::nullopt);
  EXPECT_EQ(log_format_named("text"), log_format::text);
  EXPECT_EQ(log_format_named("json"), log_format::json);
  EXPECT_EQ(log_format_named("logfmt"), std::nullopt);
}

}  // namespace
}  // namespace eventrouter
