#pragma once
// The eventrouter binary running a configuration, for integration tests: started on a free
// port, with what tests ask of it — post events, read what the log sinks printed, read
// /v1/consumers.

#include "http_client.hpp"
#include "service_process.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eventrouter::testing {

inline constexpr const char* xblock_published_type = "org.openedx.content_authoring.xblock.published.v1";

// An org.openedx.content_authoring.xblock.published.v1 CloudEvent, as a producer posts it.
boost::json::object xblock_published_event(const std::string& id, const std::string& usage_key);

inline const header_list structured_mode = {{"content-type", "application/cloudevents+json"}};
inline const header_list batch_mode = {{"content-type", "application/cloudevents-batch+json"}};

// Writes `text` to a file of that name in this test process's temporary folder.
std::string write_temp(const std::string& name, const std::string& text);

class service_under_test {
 public:
  // Writes the configuration (whose http.listen should use port 0) and starts the binary
  // (`run --config FILE` and `run_options`); throws std::runtime_error with its stderr when it
  // does not come up. It must log at info level, which says where it listens.
  explicit service_under_test(const std::string& config_text, const std::string& file_name = "service.json",
                              const std::vector<std::string>& run_options = {},
                              stdout_reading reading = stdout_reading::at_once);

  std::uint16_t port() const { return port_; }
  service_process& process() { return *process_; }

  http_reply post(const header_list& headers, const std::string& body);
  http_reply get(const std::string& target);

  // Log-sink lines carrying event `id`, parsed, once at least `n` arrived (fewer at the deadline).
  std::vector<boost::json::object> delivered(const std::string& id, std::size_t n,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every log-sink line so far, parsed.
  std::vector<boost::json::object> all_delivered();

  boost::json::array consumers();
  boost::json::object consumer(const std::string& name);

 private:
  std::unique_ptr<service_process> process_;
  std::uint16_t port_ = 0;
};

// The ids of the events of JSON lines (what `eventrouter tail` prints), in order.
std::vector<std::string> ids_of(const std::vector<std::string>& lines);

// Posts `n` xblock.published events ("<prefix>0", "<prefix>1", ...) as batches of `batch`, the
// i-th with usage key "key-<i % keys>"; returns the ids that got 202.
std::vector<std::string> post_events(service_under_test& service, const std::string& prefix, int n, int batch = 10,
                                     int keys = 7);

// How many times each event id reached a log sink whose consumer name starts with
// `consumer_prefix`, over every given run of the service.
std::map<std::string, int> deliveries(std::initializer_list<service_under_test*> runs,
                                      const std::string& consumer_prefix = "");

// Waits until every id was delivered at least once; returns those still missing at the deadline.
std::vector<std::string> await_all(std::initializer_list<service_under_test*> runs, const std::vector<std::string>& ids,
                                   std::chrono::milliseconds timeout, const std::string& consumer_prefix = "");

}  // namespace eventrouter::testing
