// admin and reload: the token-protected endpoints, and reloading an edited file by itself.

#include "config/sections.hpp"

namespace eventrouter::config {

void read_admin(object_reader& r, admin_settings& out) {
  if (auto env = r.string("token_env")) {
    if (!is_identifier(*env))  // as the shell names variables
      r.problems().add(r.path_of("token_env"), "is " + quoted(*env) +
                                                 "; expected the name of an environment variable, such as "
                                                 "EVENTROUTER_ADMIN_TOKEN");
    out.token_env = *env;
  }
}

void read_reload(object_reader& r, reload_settings& out) {
  if (auto watch = r.boolean("watch_file"))
    out.watch_file = *watch;
  if (auto t = r.millis("debounce_ms", 0, 60000))
    out.debounce = *t;
}

}  // namespace eventrouter::config
