#include "live_environment.hpp"

#include <cstdlib>

namespace eventrouter::testing {

namespace {

// Values a mutation may reference as ${PROPERTY_SET_VAR}; PROPERTY_UNSET_VAR stays unset.
bool set_variables() {
  setenv(admin_token_env, "fake-admin-token", 1);
  setenv("PROPERTY_WEBHOOK_TOKEN", "fake-webhook-token", 1);
  setenv("PROPERTY_REGISTRY_AUTH", "registry-user:fake-secret", 1);
  setenv("PROPERTY_SET_VAR", "from-env", 1);
  unsetenv("PROPERTY_UNSET_VAR");
  return true;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

const std::string schemas_folder = EVENTROUTER_SOURCE_DIR "/tests/fuzz/schemas";

std::string address(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

live_environment::live_environment() : redis_((set_variables(), false)), webhook_([](std::size_t) { return 200u; }) {
  // The user and password the generator's userinfo rows write into redis URLs (fake).
  redis_.cli({"ACL", "SETUSER", "property", "on", ">fake-secret", "~*", "&*", "+@all"});
}

std::string live_environment::fill(std::string text) const {
  replace_all(text, "@redis_address@", address(redis_.port()));
  replace_all(text, "@webhook_address@", address(webhook_.port()));
  replace_all(text, "@schemas@", schemas_folder);
  return text;
}

std::string live_environment::unfill(std::string text) const {
  replace_all(text, address(redis_.port()), "@redis_address@");
  replace_all(text, address(webhook_.port()), "@webhook_address@");
  replace_all(text, schemas_folder, "@schemas@");
  return text;
}

void live_environment::empty_redis() const { redis_.cli({"FLUSHALL"}); }

}  // namespace eventrouter::testing
