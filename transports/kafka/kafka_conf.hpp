#pragma once
// The librdkafka configuration of a client: bootstrap servers, eventrouter's own properties
// for that kind of client, then the operator's transports.kafka.properties (the loader has
// refused those that would override eventrouter's guarantees).

#include "config/settings.hpp"

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::kafka {

// Where librdkafka's own log lines go (by default its stderr format), so that they join the
// service's log. librdkafka's own threads call it at any time, so it is a plain function held in
// an atomic: installing one never rewrites anything a running client reads. Only clients made
// after it is installed use it: install it once at start-up, before the first client.
using log_handler = void (*)(int syslog_level, std::string_view message);
void set_log_handler(log_handler handler);

// The caller owns the result (rd_kafka_new takes it). Throws std::invalid_argument with
// librdkafka's message for a property it refuses.
rd_kafka_conf_t* make_conf(const config::kafka_settings& settings,
                           const std::vector<std::pair<std::string, std::string>>& own);

}  // namespace eventrouter::kafka
