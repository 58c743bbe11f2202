#include "actors/http_sink.hpp"

namespace eventrouter {

namespace {

bool retryable(unsigned status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

void http_sink::deliver(caf::event_based_actor*, const delivery& d, delivery_done done) {
  client_.post(d.item, [done = std::move(done), url = url_](http::webhook_result r) {
    if (r.status == 0)
      return done(failure(errc::sink_failed, url + ": " + r.error));
    if (r.status >= 200 && r.status < 300)
      return done({});
    auto kind = retryable(r.status) ? errc::sink_failed : errc::rejected;
    done(failure(kind, url + " answered " + std::to_string(r.status)));
  });
}

}  // namespace eventrouter
