// An event as a Pulsar message in the frames of Pulsar's WebSocket API, and back.

#include "transports/pulsar/pulsar_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eventrouter {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

keyed_event sample() {
  auto ev = std::make_shared<event>();
  ev->id = "e-1";
  ev->type = "org.openedx.content_authoring.xblock.published.v1";
  ev->source = "openedx/cms/web";
  ev->time = "2023-06-09T14:12:45.320819+00:00";
  ev->data = json::object{{"xblock_info", {{"usage_key", "block-v1:x"}}}};
  return {ev, "block-v1:x"};
}

// What the producer sends: the open frame closed with its context.
json::object sent_frame(const keyed_event& item) {
  return json::parse(pulsar::open_producer_frame(item, config::topic_format::json) + ",\"context\":\"7\"}").as_object();
}

TEST(pulsar_message, a_producer_frame_carries_key_properties_event_time_and_payload) {
  auto frame = sent_frame(sample());
  EXPECT_EQ(frame.at("key"), "block-v1:x");
  EXPECT_EQ(frame.at("eventTime"), "2023-06-09T14:12:45.320819+00:00");
  EXPECT_EQ(frame.at("context"), "7");
  const auto& properties = frame.at("properties").as_object();
  EXPECT_EQ(properties.at("ce_id"), "e-1");
  EXPECT_EQ(properties.at("ce_type"), "org.openedx.content_authoring.xblock.published.v1");
  EXPECT_EQ(properties.at("content-type"), "application/json");
  // base64 of the data's JSON text
  EXPECT_EQ(frame.at("payload"), "eyJ4YmxvY2tfaW5mbyI6eyJ1c2FnZV9rZXkiOiJibG9jay12MTp4In19");
}

TEST(pulsar_message, a_message_a_consumer_receives_reads_back_to_its_event_and_key) {
  auto frame = sent_frame(sample());
  frame["messageId"] = "CAEQAjAA";
  frame["publishTime"] = "2023-06-09T14:12:46.000Z";
  auto received = pulsar::parse_received_frame(json::serialize(frame));
  ASSERT_TRUE(std::holds_alternative<pulsar::received_message>(received)) << std::get<std::string>(received);
  const auto& message = std::get<pulsar::received_message>(received);
  EXPECT_EQ(message.id, "CAEQAjAA");
  auto decoder = json_decoder();
  auto decoded = pulsar::decode_message(message, *decoder);
  ASSERT_TRUE(std::holds_alternative<keyed_event>(decoded)) << std::get<std::string>(decoded);
  const auto& back = std::get<keyed_event>(decoded);
  EXPECT_EQ(back.key, "block-v1:x");
  EXPECT_EQ(back.ev->id, "e-1");
  EXPECT_EQ(back.ev->time, "2023-06-09T14:12:45.320819+00:00");
  EXPECT_EQ(back.ev->data, sample().ev->data);
}

TEST(pulsar_message, a_frame_that_is_not_a_message_is_named) {
  auto why = [](std::string_view frame) {
    auto received = pulsar::parse_received_frame(frame);
    return std::holds_alternative<std::string>(received) ? std::get<std::string>(received) : "(a message)";
  };
  EXPECT_THAT(why("{"), HasSubstr("not JSON"));
  EXPECT_EQ(why("[1]"), "a frame that is not a JSON object");
  EXPECT_EQ(why(R"({"payload":"e30="})"), "a frame with no messageId");
  EXPECT_EQ(why(R"({"messageId":"CAE=","payload":"e30"})"), "a payload that is not base64");
}

TEST(pulsar_message, a_message_without_ce_type_is_refused_naming_the_property) {
  auto received =
    pulsar::parse_received_frame(R"({"messageId":"CAE=","payload":"e30=","properties":{"ce_id":"1"}})");
  auto decoder = json_decoder();
  auto decoded = pulsar::decode_message(std::get<pulsar::received_message>(received), *decoder);
  ASSERT_TRUE(std::holds_alternative<std::string>(decoded));
  EXPECT_EQ(std::get<std::string>(decoded), "property 'ce_type' is missing or empty");
}

TEST(pulsar_message, the_broker_answers_are_read) {
  auto ok = std::get<pulsar::send_answer>(pulsar::parse_send_answer(R"({"result":"ok","messageId":"CAE=","context":"3"})"));
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.context, "3");
  EXPECT_EQ(ok.message_id, "CAE=");
  auto refused = std::get<pulsar::send_answer>(
    pulsar::parse_send_answer(R"({"result":"send-error:3","errorMsg":"topic closed","context":"4"})"));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.error, "send-error:3: topic closed");
}

TEST(pulsar_message, consumer_frames_name_the_message) {
  EXPECT_EQ(json::parse(pulsar::ack_frame("CAE=")), json::parse(R"({"messageId":"CAE="})"));
  EXPECT_EQ(json::parse(pulsar::negative_ack_frame("CAE=")),
            json::parse(R"({"type":"negativeAcknowledge","messageId":"CAE="})"));
  EXPECT_EQ(json::parse(pulsar::permit_frame(500)), json::parse(R"({"type":"permit","permitMessages":500})"));
}

}  // namespace
}  // namespace eventrouter
