// The Pulsar transport: a topic is a persistent Pulsar topic in the configured tenant and
// namespace, written by a WebSocket producer of its own; each consumer is a member of the
// subscription named by its group. Every connection of the link runs on the link's one IO
// thread (transports/pulsar/pulsar_client.hpp).

#include "actors/failure.hpp"
#include "actors/pulsar/pulsar_reader.hpp"
#include "actors/pulsar/pulsar_topic.hpp"
#include "actors/service_log.hpp"
#include "actors/transport.hpp"
#include "transports/pulsar/pulsar_admin.hpp"

namespace eventrouter {

namespace {

class pulsar_link : public transport_link {
 public:
  pulsar_link(caf::actor_system& sys, metrics::registry& metrics, std::shared_ptr<pulsar::client> client)
      : sys_(sys), metrics_(metrics), client_(std::move(client)) {}

  topic_actor start_topic(const config::settings&, const config::topic_settings& topic,
                          const std::vector<const config::consumer_settings*>& consumers) override {
    for (const auto* c : consumers)
      if (!c->from_beginning.value_or(true))
        subscribe_at_latest(topic.full_name, *c);
    return spawn_pulsar_topic(sys_, client_, topic.full_name, topic.format, metrics_);
  }

  // A group that starts with what is written from the service's start on must exist before the
  // first publish: a subscription its consumer made later, at the latest message, would miss what
  // came between. (One that starts at the beginning misses nothing whenever it is made.)
  void subscribe_at_latest(const std::string& topic, const config::consumer_settings& c) {
    static constexpr auto latest = R"({"ledgerId":9223372036854775807,"entryId":9223372036854775807,"partitionIndex":-1})";
    auto answer = pulsar::admin_call(*client_, "PUT",
                                     pulsar::admin_path(*client_, topic, "subscription/" + pulsar::url_encode(c.group_id)),
                                     latest);
    if (answer.status == 204 || answer.status == 409)  // made, or there already
      return;
    log_line(log_level::warn,
             "cannot make the subscription: " +
               (answer.status == 0 ? answer.error : "HTTP " + std::to_string(answer.status) + " " + answer.body),
             {{"consumer", c.name},
              {"topic", topic},
              {"next", "its consumer makes it at the latest message when it connects; what is published before "
                       "then is not read by the group"}});
  }

  source_opener source_for(const config::settings& next, const config::consumer_settings& c,
                           const config::topic_settings& topic, const topic_actor&) override {
    pulsar_reader_args args{client_, topic.full_name, decoder_for(next, topic), c, nullptr, &metrics_};
    return own_reader(std::move(args), spawn_pulsar_reader);
  }

 private:
  caf::actor_system& sys_;
  metrics::registry& metrics_;
  std::shared_ptr<pulsar::client> client_;
};

// On reload, a new cluster must answer for its namespace before the running one is let go.
std::optional<std::string> namespace_refused(pulsar::client& client) {
  const auto& s = client.settings();
  auto answer = pulsar::admin_call(client, "GET", "/admin/v2/namespaces/" + s.tenant + "/" + s.pulsar_namespace +
                                                    "/topics");
  if (answer.status == 200)
    return std::nullopt;
  if (answer.status == 0)
    return "pulsar at " + s.service_url.display() + " does not answer: " + answer.error;
  return "pulsar at " + s.service_url.display() + " answers HTTP " + std::to_string(answer.status) +
         " for namespace " + s.tenant + "/" + s.pulsar_namespace;
}

}  // namespace

caf::expected<link_ptr> link_pulsar(const link_request& request) {
  const auto& next = request.next;
  if (!next.pulsar)
    return link_ptr{};
  if (request.running && request.before.pulsar == next.pulsar)
    return request.running;
  auto client = std::make_shared<pulsar::client>(*next.pulsar);
  if (request.reloading)
    if (auto why = namespace_refused(*client))
      return failure(errc::not_built, *why);
  return link_ptr{std::make_shared<pulsar_link>(request.sys, request.metrics, std::move(client))};
}

}  // namespace eventrouter
