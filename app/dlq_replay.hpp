#pragma once
// `eventrouter dlq replay`: moves the events of a dead-letter topic back to a topic, without
// their dlq_* attributes, once whatever made them fail is fixed. Progress is printed every
// second; the command ends when it has moved what the dead-letter topic held at its start.
//
// "Moved" differs by transport, as the brokers allow:
//   redis  each entry is deleted from the dead-letter stream (XDEL) once the target confirmed it;
//   kafka  messages cannot be deleted: the group "eventrouter-dlq-replay" keeps the position,
//          so a later run moves only what was dead-lettered since.
// Each transport says how (its topic_access, transports/topic_access.hpp). A memory topic lives
// inside the service's process and cannot be reached from here.

#include "config/settings.hpp"

#include <string>

namespace eventrouter {

// Exit code: 0 done; 1 a broker failed (what was moved stays moved); 2 a bad request.
int run_dlq_replay(const config::settings& settings, const std::string& dead_letter_topic, const std::string& to_topic);

}  // namespace eventrouter
