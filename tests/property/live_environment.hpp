#pragma once
// What the configurations under test point at, started once per run: a real Redis (with an ACL
// user, so that a redis URL with userinfo is one the service can use), a webhook answering 200,
// the repository's folder of Open edX schemas, and the environment variables the corpus and the
// mutations reference. Corpus and regression files name them by placeholders — @redis_address@,
// @webhook_address@, @schemas@ — so that a file holds no port of one run.

#include "redis_server.hpp"
#include "webhook_server.hpp"

#include <string>

namespace eventrouter::testing {

// The variable admin.token_env names in the corpus; its value is the bearer token (fake).
inline constexpr const char* admin_token_env = "PROPERTY_ADMIN_TOKEN";

class live_environment {
 public:
  // Sets the environment variables first: call it before any other thread starts.
  live_environment();

  // Placeholders replaced by this run's addresses, and back.
  std::string fill(std::string text) const;
  std::string unfill(std::string text) const;

  // Forgets every stream and group: what one configuration's service wrote is not delivered again
  // by the next one's consumers (whose log sinks print on this process's stdout).
  void empty_redis() const;

 private:
  redis_server redis_;
  webhook_server webhook_;
};

}  // namespace eventrouter::testing
