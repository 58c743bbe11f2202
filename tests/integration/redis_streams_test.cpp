// redis::client and the stream commands of redis_streams against a real redis-server (Debian's,
// started per test on a free loopback port): connecting, AUTH, SELECT, failures and the
// reconnect backoff, pipelining, blocking reads past the command timeout; appending in the
// Open edX field layout, trimming, consumer groups, pending entries, claiming, lag and errors.

#include "transports/redis/redis_streams.hpp"
#include "redis_server.hpp"
#include "transports/redis/redis_client.hpp"
#include "transports/redis/stream_entry.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto published_type = "org.openedx.content_authoring.xblock.published.v1";

config::redis_settings settings_for(const testing::redis_server& server) {
  config::redis_settings s;
  s.url = server.url();
  s.host = "127.0.0.1";
  s.port = server.port();
  s.connect_timeout = 2000ms;
  s.command_timeout = 2000ms;
  s.reconnect_backoff_min = 50ms;
  s.reconnect_backoff_max = 400ms;
  return s;
}

// Polls `condition` until it holds or `timeout` passed; true when it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = clock_type::now() + timeout;
  while (true) {
    if (condition())
      return true;
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
}

event_ptr make_event(const std::string& id) {
  auto ev = std::make_shared<event>();
  ev->id = id;
  ev->type = published_type;
  ev->source = "openedx/cms/web";
  ev->time = "2024-05-01T12:34:56.789Z";
  ev->minorversion = "2";
  ev->sourcehost = "cms.example.org";
  ev->sourcelib = "0.1.2";
  ev->data = boost::json::object{{"xblock_info", boost::json::object{{"usage_key", id + "-key"}}}, {"n", 1}};
  return ev;
}

std::vector<keyed_event> batch_of(std::size_t n, const std::string& prefix = "e") {
  std::vector<keyed_event> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({make_event(prefix + std::to_string(i)), "k" + std::to_string(i)});
  return out;
}

std::string field(const redis::stream_entry& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name)
      return v;
  return "<missing " + name + ">";
}

std::vector<std::string> event_ids(const std::vector<redis::stream_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(e.deleted ? "<deleted>" : field(e, "id"));
  return out;
}

std::vector<std::string> entry_ids(const std::vector<redis::stream_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(e.id);
  return out;
}

long long integer_of(redis::client& c, std::initializer_list<std::string_view> args) {
  auto r = c.run(args);
  EXPECT_EQ(r.type, redis::reply::kind::integer) << r.text;
  return r.integer;
}

// XPENDING stream group: the number of entries delivered and not yet acknowledged.
long long pending_count(redis::client& c, std::string_view stream, std::string_view group) {
  auto r = c.run({"XPENDING", stream, group});
  EXPECT_EQ(r.type, redis::reply::kind::array) << r.text;
  return r.elements.empty() ? -1 : r.elements[0].integer;
}

template <class F>
std::string connection_error_of(F&& f) {
  try {
    f();
  } catch (const redis::connection_error& e) {
    return e.what();
  }
  return "<no connection_error>";
}

template <class F>
std::string command_error_of(F&& f) {
  try {
    f();
  } catch (const redis::command_error& e) {
    return e.what();
  }
  return "<no command_error>";
}

class redis_client : public ::testing::Test {
 protected:
  testing::redis_server server;
};

class redis_streams : public ::testing::Test {
 protected:
  void SetUp() override { c.connect(); }

  testing::redis_server server;
  redis::client c{settings_for(server)};
  const std::string stream = "it-xblock-lifecycle";
  const std::string group = "g";
};

// --- redis::client ---------------------------------------------------------------------------

TEST_F(redis_client, connects_and_runs_simple_commands_with_every_reply_kind) {
  redis::client c{settings_for(server)};
  EXPECT_FALSE(c.connected());
  c.connect();
  ASSERT_TRUE(c.connected());

  auto pong = c.run({"PING"});
  EXPECT_EQ(pong.type, redis::reply::kind::status);
  EXPECT_EQ(pong.text, "PONG");

  EXPECT_EQ(c.run({"SET", "greeting", "hello"}).text, "OK");
  auto got = c.run({"GET", "greeting"});
  EXPECT_EQ(got.type, redis::reply::kind::string);
  EXPECT_EQ(got.text, "hello");
  EXPECT_EQ(server.cli({"GET", "greeting"}), "hello");

  EXPECT_EQ(integer_of(c, {"INCRBY", "counter", "41"}), 41);
  EXPECT_TRUE(c.run({"GET", "no-such-key"}).is_nil());

  auto list = c.run({"RPUSH", "l", "a", "b"});
  EXPECT_EQ(list.integer, 2);
  auto range = c.run({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(range.type, redis::reply::kind::array);
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[0].text, "a");
  EXPECT_EQ(range.elements[1].text, "b");

  // Binary-safe arguments: an embedded NUL and a space survive the round trip.
  const std::string binary("a b\0c", 5);
  c.run({"SET", "bin", binary});
  EXPECT_EQ(c.run({"GET", "bin"}).text, binary);

  // An error reply is an ordinary reply, not an exception; the connection stays usable.
  auto error = c.run({"NOSUCHCOMMAND", "x"});
  EXPECT_TRUE(error.is_error());
  EXPECT_NE(error.text.find("unknown command"), std::string::npos) << error.text;
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.run({"PING"}).text, "PONG");

  EXPECT_EQ(c.address(), "127.0.0.1:" + std::to_string(server.port()));
  c.disconnect();
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, authenticates_with_the_configured_password) {
  ASSERT_EQ(server.cli({"CONFIG", "SET", "requirepass", "pw"}), "OK");

  // Without a password the connection opens but every command is refused.
  redis::client anonymous{settings_for(server)};
  anonymous.connect();
  auto refused = anonymous.run({"PING"});
  EXPECT_TRUE(refused.is_error());
  EXPECT_NE(refused.text.find("NOAUTH"), std::string::npos) << refused.text;

  auto settings = settings_for(server);
  settings.password = "pw";
  redis::client authenticated{settings};
  authenticated.connect();
  EXPECT_EQ(authenticated.run({"PING"}).text, "PONG");
  EXPECT_EQ(authenticated.run({"SET", "k", "v"}).text, "OK");
}

TEST_F(redis_client, a_wrong_password_fails_connect_with_an_auth_error_that_hides_the_password) {
  ASSERT_EQ(server.cli({"CONFIG", "SET", "requirepass", "pw"}), "OK");
  auto settings = settings_for(server);
  settings.password = "not-the-password";
  redis::client c{settings};

  auto message = connection_error_of([&] { c.connect(); });
  EXPECT_NE(message.find("AUTH"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, authenticates_as_an_acl_user_when_one_is_configured) {
  ASSERT_EQ(server.cli({"ACL", "SETUSER", "router", "on", ">secret", "~*", "&*", "+@all"}), "OK");
  auto settings = settings_for(server);
  settings.user = "router";
  settings.password = "secret";
  redis::client c{settings};
  c.connect();
  EXPECT_EQ(c.run({"ACL", "WHOAMI"}).text, "router");

  settings.password = "wrong";
  redis::client wrong{settings};
  auto message = connection_error_of([&] { wrong.connect(); });
  EXPECT_NE(message.find("AUTH"), std::string::npos) << message;
  EXPECT_FALSE(wrong.connected());
}

TEST_F(redis_client, selects_the_configured_database) {
  auto settings = settings_for(server);
  settings.db = 3;
  redis::client in_db3{settings};
  in_db3.connect();
  ASSERT_EQ(in_db3.run({"SET", "only-in-3", "v"}).text, "OK");

  redis::client in_db0{settings_for(server)};
  in_db0.connect();
  EXPECT_TRUE(in_db0.run({"GET", "only-in-3"}).is_nil());
  EXPECT_EQ(integer_of(in_db0, {"DBSIZE"}), 0);

  redis::client another_in_db3{settings};
  another_in_db3.connect();
  EXPECT_EQ(another_in_db3.run({"GET", "only-in-3"}).text, "v");
  EXPECT_EQ(server.cli({"-n", "3", "GET", "only-in-3"}), "v");
}

TEST_F(redis_client, a_database_the_server_does_not_have_fails_connect_naming_select) {
  auto settings = settings_for(server);
  settings.db = 999;  // redis-server has 16 by default
  redis::client c{settings};
  auto message = connection_error_of([&] { c.connect(); });
  EXPECT_NE(message.find("SELECT"), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, connecting_to_a_stopped_server_throws_naming_host_and_port) {
  server.stop();
  redis::client c{settings_for(server)};
  auto message = connection_error_of([&] { c.connect(); });
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, ensure_connected_backs_off_after_a_failure_and_reconnects_once_the_server_is_back) {
  redis::client c{settings_for(server)};  // backoff 50 ms, doubling up to 400 ms
  server.stop();

  auto first = connection_error_of([&] { c.ensure_connected(); });
  EXPECT_NE(first.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << first;
  EXPECT_EQ(first.find("next attempt in"), std::string::npos) << first;

  // Inside the backoff: thrown at once, without trying, saying when the next attempt is.
  auto second = connection_error_of([&] { c.ensure_connected(); });
  EXPECT_NE(second.find("next attempt in"), std::string::npos) << second;
  EXPECT_NE(second.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << second;
  EXPECT_FALSE(c.connected());

  server.start();
  bool reconnected = false;
  EXPECT_TRUE(eventually([&] {
    try {
      reconnected = c.ensure_connected();
      return true;
    } catch (const redis::connection_error&) {
      return false;
    }
  }));
  EXPECT_TRUE(reconnected) << "the call that connected must say so";
  EXPECT_TRUE(c.connected());
  EXPECT_FALSE(c.ensure_connected()) << "already connected: nothing to redo";
  EXPECT_EQ(c.run({"PING"}).text, "PONG");
}

// The number N in "(next attempt in N ms)", or -1.
long long next_attempt_ms(const std::string& message) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex(R"(next attempt in (\d+) ms)")))
    return std::stoll(m[1]);
  return -1;
}

TEST_F(redis_client, the_backoff_doubles_while_the_server_stays_down_and_resets_after_a_success) {
  auto settings = settings_for(server);
  settings.reconnect_backoff_min = 200ms;
  settings.reconnect_backoff_max = 2000ms;
  redis::client c{settings};
  server.stop();

  // Calls until one really tries (and fails); returns the wait announced right after it.
  auto fail_once_then_read_backoff = [&] {
    bool tried = eventually([&] {
      auto message = connection_error_of([&] { c.ensure_connected(); });
      return message.find("next attempt in") == std::string::npos;
    });
    EXPECT_TRUE(tried);
    return next_attempt_ms(connection_error_of([&] { c.ensure_connected(); }));
  };

  auto first = fail_once_then_read_backoff();
  EXPECT_GT(first, 0);
  EXPECT_LE(first, 200);
  auto second = fail_once_then_read_backoff();
  EXPECT_GT(second, 200) << "the wait doubles";
  EXPECT_LE(second, 400);

  server.start();
  EXPECT_TRUE(eventually([&] {
    try {
      return c.ensure_connected();
    } catch (const redis::connection_error&) {
      return false;
    }
  }));
  ASSERT_TRUE(c.connected());

  // Lost again: the backoff starts over at the minimum.
  server.stop();
  ASSERT_NE(connection_error_of([&] { c.run({"PING"}); }), "<no connection_error>");
  ASSERT_FALSE(c.connected());
  auto after_success = fail_once_then_read_backoff();
  EXPECT_GT(after_success, 0);
  EXPECT_LE(after_success, 200) << "the backoff resets once a connection succeeded";
}

TEST_F(redis_client, a_command_after_the_server_stopped_throws_and_leaves_the_client_disconnected) {
  redis::client c{settings_for(server)};
  c.connect();
  ASSERT_EQ(c.run({"PING"}).text, "PONG");

  server.stop();
  auto message = connection_error_of([&] { c.run({"PING"}); });
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_FALSE(c.connected());

  auto again = connection_error_of([&] { c.run({"PING"}); });
  EXPECT_NE(again.find("not connected"), std::string::npos) << again;

  server.start();
  c.connect();
  EXPECT_EQ(c.run({"PING"}).text, "PONG");
}

TEST_F(redis_client, a_command_on_a_connection_the_server_closed_throws_connection_error) {
  redis::client c{settings_for(server)};
  c.connect();
  ASSERT_EQ(c.run({"CLIENT", "SETNAME", "victim"}).text, "OK");
  ASSERT_EQ(server.cli({"CLIENT", "KILL", "TYPE", "normal"}), "1");  // redis-cli skips itself
  auto message = connection_error_of([&] { c.run({"PING"}); });
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, pipelined_commands_reply_in_order) {
  redis::client c{settings_for(server)};
  c.connect();
  c.send({"SET", "n", "10"});
  c.send({"INCR", "n"});
  c.send({"NOSUCHCOMMAND"});
  c.send({"INCRBY", "n", "5"});
  c.send({"GET", "n"});
  c.send({"GET", "missing"});
  c.send({"PING"});

  EXPECT_EQ(c.receive().text, "OK");
  EXPECT_EQ(c.receive().integer, 11);
  EXPECT_TRUE(c.receive().is_error());
  EXPECT_EQ(c.receive().integer, 16);
  EXPECT_EQ(c.receive().text, "16");
  EXPECT_TRUE(c.receive().is_nil());
  EXPECT_EQ(c.receive().text, "PONG");

  // Nothing left over: the next command gets its own reply.
  EXPECT_EQ(c.run({"ECHO", "next"}).text, "next");
}

TEST_F(redis_client, many_pipelined_commands_reply_in_order) {
  redis::client c{settings_for(server)};
  c.connect();
  constexpr int n = 1000;
  for (int i = 0; i < n; ++i)
    c.send({"RPUSH", "l", std::to_string(i)});
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(c.receive().integer, i + 1);
  EXPECT_EQ(server.cli({"LINDEX", "l", "999"}), "999");
}

TEST_F(redis_client, run_blocking_waits_past_the_command_timeout) {
  auto settings = settings_for(server);
  settings.command_timeout = 100ms;
  redis::client c{settings};
  c.connect();
  ASSERT_EQ(c.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}).text, "OK");

  auto started = clock_type::now();
  std::vector<std::string_view> args{"XREADGROUP", "GROUP", "g",       "c", "COUNT", "1",
                                     "BLOCK",      "300",   "STREAMS", "s", ">"};
  redis::reply r;
  ASSERT_NO_THROW(r = c.run_blocking(args, 300ms));
  auto elapsed = clock_type::now() - started;
  EXPECT_TRUE(r.is_nil());
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(c.connected());

  // The command timeout applies again afterwards: the same wait through run() times out.
  auto message = connection_error_of([&] { c.run(args); });
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_client, run_blocking_returns_as_soon_as_an_entry_arrives) {
  redis::client c{settings_for(server)};
  c.connect();
  ASSERT_EQ(c.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}).text, "OK");

  std::jthread writer([&] {
    redis::client w{settings_for(server)};
    w.connect();
    // Once the reader is blocked, add an entry.
    eventually([&] {
      return w.run({"CLIENT", "LIST", "TYPE", "normal"}).text.find("cmd=xreadgroup") != std::string::npos;
    });
    w.run({"XADD", "s", "*", "f", "v"});
  });
  auto started = clock_type::now();
  std::vector<std::string_view> args{"XREADGROUP", "GROUP", "g",       "c", "COUNT", "1",
                                     "BLOCK",      "10000", "STREAMS", "s", ">"};
  auto r = c.run_blocking(args, 10s);
  EXPECT_LT(clock_type::now() - started, 5s);
  ASSERT_EQ(r.type, redis::reply::kind::array);
  ASSERT_EQ(r.elements.size(), 1u);
  EXPECT_EQ(r.elements[0].elements[0].text, "s");
}

// --- redis_streams -------------------------------------------------------------------------

TEST_F(redis_streams, append_events_writes_the_open_edx_field_layout_in_order) {
  auto batch = batch_of(2);
  redis::append_events(c, stream, 1000, batch, config::topic_format::json);

  auto range = c.run({"XRANGE", stream, "-", "+"});
  ASSERT_EQ(range.type, redis::reply::kind::array);
  ASSERT_EQ(range.elements.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& entry = range.elements[i];
    ASSERT_EQ(entry.elements.size(), 2u);
    const auto& kv = entry.elements[1].elements;
    std::vector<std::string> names, values;
    for (std::size_t j = 0; j + 1 < kv.size(); j += 2) {
      names.push_back(kv[j].text);
      values.push_back(kv[j + 1].text);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"type", "id", "source", "time", "minorversion", "sourcehost",
                                               "sourcelib", "event_data"}));
    ASSERT_EQ(values.size(), 8u);
    const auto& ev = *batch[i].ev;
    EXPECT_EQ(values[0], published_type);
    EXPECT_EQ(values[1], ev.id);
    EXPECT_EQ(values[2], "openedx/cms/web");
    EXPECT_EQ(values[3], "2024-05-01T12:34:56.789Z");
    EXPECT_EQ(values[4], "2");
    EXPECT_EQ(values[5], "cms.example.org");
    EXPECT_EQ(values[6], "0.1.2");
    EXPECT_EQ(boost::json::parse(values[7]), ev.data) << values[7];
  }

  // redis-cli sees the same: the first entry's fields, one per line after the id.
  auto cli_out = server.cli({"XRANGE", stream, "-", "+", "COUNT", "1"});
  EXPECT_NE(cli_out.find("type\n" + std::string(published_type) + "\nid\ne0\nsource\n"), std::string::npos) << cli_out;

  // And it reads back through a group into the same event.
  redis::create_group(c, stream, group, "0");
  auto entries = redis::read_group(c, stream, group, "c1", ">", 10, 0ms);
  ASSERT_EQ(entries.size(), 2u);
  auto decoded = decode_stream_entry(entries[1].fields, *json_decoder());
  ASSERT_TRUE(std::holds_alternative<event_ptr>(decoded)) << std::get<std::string>(decoded);
  const auto& back = *std::get<event_ptr>(decoded);
  EXPECT_EQ(back.id, "e1");
  EXPECT_EQ(back.type, published_type);
  EXPECT_EQ(back.sourcelib, "0.1.2");
  EXPECT_EQ(back.minorversion, "2");
  EXPECT_EQ(back.data, batch[1].ev->data);
}

TEST_F(redis_streams, an_event_with_only_the_required_attributes_appends_empty_fields_and_decodes_back) {
  auto ev = std::make_shared<event>();
  ev->id = "minimal";
  ev->type = published_type;
  ev->data = boost::json::object{};
  redis::append_events(c, stream, 1000, {{ev, ""}}, config::topic_format::json);

  redis::create_group(c, stream, group, "0");
  auto entries = redis::read_group(c, stream, group, "c", ">", 10, 0ms);
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_EQ(entries[0].fields.size(), 8u);
  EXPECT_EQ(field(entries[0], "source"), "");
  EXPECT_EQ(field(entries[0], "sourcehost"), "");
  EXPECT_EQ(field(entries[0], "minorversion"), "0");
  EXPECT_EQ(field(entries[0], "event_data"), "{}");
  auto decoded = decode_stream_entry(entries[0].fields, *json_decoder());
  ASSERT_TRUE(std::holds_alternative<event_ptr>(decoded)) << std::get<std::string>(decoded);
  EXPECT_EQ(std::get<event_ptr>(decoded)->id, "minimal");
}

TEST_F(redis_streams, append_events_keeps_batch_order_and_ids_increase_and_returns_the_first_id) {
  auto first_id = redis::append_events(c, stream, 1000, batch_of(50), config::topic_format::json);
  EXPECT_EQ(redis::append_events(c, stream, 1000, batch_of(0), config::topic_format::json), "");  // nothing, no error
  EXPECT_EQ(integer_of(c, {"XLEN", stream}), 50);
  redis::create_group(c, stream, group, "0");
  auto entries = redis::read_group(c, stream, group, "c", ">", 100, 0ms);
  ASSERT_EQ(entries.size(), 50u);
  EXPECT_EQ(entries[0].id, first_id);
  for (std::size_t i = 0; i < entries.size(); ++i)
    EXPECT_EQ(field(entries[i], "id"), "e" + std::to_string(i));
}

TEST_F(redis_streams, append_events_trims_the_stream_approximately_to_max_len) {
  for (int round = 0; round < 20; ++round)
    redis::append_events(c, stream, 100, batch_of(100, "r" + std::to_string(round) + "-"), config::topic_format::json);
  auto length = integer_of(c, {"XLEN", stream});
  EXPECT_GE(length, 100);
  EXPECT_LE(length, 300) << "MAXLEN ~ 100 after 2000 appends";
  // The newest entries are the ones kept.
  auto last = c.run({"XREVRANGE", stream, "+", "-", "COUNT", "1"});
  ASSERT_EQ(last.elements.size(), 1u);
  EXPECT_EQ(last.elements[0].elements[1].elements[3].text, "r19-99");
}

TEST_F(redis_streams, create_group_is_idempotent_and_creates_the_stream) {
  EXPECT_EQ(integer_of(c, {"EXISTS", stream}), 0);
  EXPECT_NO_THROW(redis::create_group(c, stream, group, "$"));
  EXPECT_EQ(server.cli({"TYPE", stream}), "stream");
  EXPECT_NO_THROW(redis::create_group(c, stream, group, "$"));
  EXPECT_NO_THROW(redis::create_group(c, stream, group, "0"));
  auto groups = c.run({"XINFO", "GROUPS", stream});
  EXPECT_EQ(groups.elements.size(), 1u);
}

TEST_F(redis_streams, a_group_created_at_dollar_skips_earlier_entries_and_at_zero_sees_them) {
  redis::append_events(c, stream, 1000, batch_of(3, "early"), config::topic_format::json);
  redis::create_group(c, stream, "from-now", "$");
  redis::create_group(c, stream, "from-start", "0");
  redis::append_events(c, stream, 1000, batch_of(1, "late"), config::topic_format::json);

  EXPECT_EQ(event_ids(redis::read_group(c, stream, "from-now", "c", ">", 10, 0ms)),
            (std::vector<std::string>{"late0"}));
  EXPECT_EQ(event_ids(redis::read_group(c, stream, "from-start", "c", ">", 10, 0ms)),
            (std::vector<std::string>{"early0", "early1", "early2", "late0"}));
}

TEST_F(redis_streams, read_group_returns_new_entries_once_then_nothing) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json);

  auto first = redis::read_group(c, stream, group, "c1", ">", 2, 0ms);
  EXPECT_EQ(event_ids(first), (std::vector<std::string>{"e0", "e1"})) << "COUNT limits the read";
  for (const auto& e : first) {
    EXPECT_FALSE(e.deleted);
    EXPECT_FALSE(e.id.empty());
  }
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "c1", ">", 10, 0ms)), (std::vector<std::string>{"e2"}));
  EXPECT_TRUE(redis::read_group(c, stream, group, "c1", ">", 10, 0ms).empty());
  EXPECT_TRUE(redis::read_group(c, stream, group, "c2", ">", 10, 0ms).empty()) << "one group shares its entries";
}

TEST_F(redis_streams, read_group_with_a_block_longer_than_the_command_timeout_returns_nothing_without_error) {
  auto settings = settings_for(server);
  settings.command_timeout = 100ms;
  redis::client slow{settings};
  slow.connect();
  redis::create_group(slow, stream, group, "$");

  auto started = clock_type::now();
  std::vector<redis::stream_entry> entries;
  ASSERT_NO_THROW(entries = redis::read_group(slow, stream, group, "c", ">", 10, 300ms));
  EXPECT_TRUE(entries.empty());
  EXPECT_GE(clock_type::now() - started, 250ms);
  EXPECT_TRUE(slow.connected());

  redis::append_events(slow, stream, 1000, batch_of(1), config::topic_format::json);
  EXPECT_EQ(event_ids(redis::read_group(slow, stream, group, "c", ">", 10, 300ms)), (std::vector<std::string>{"e0"}));
}

TEST_F(redis_streams, read_after_reads_past_an_id_without_any_group) {
  EXPECT_TRUE(redis::read_after(c, stream, "0-0", 10, 0ms).empty()) << "a stream that does not exist reads as empty";
  redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json);

  auto all = redis::read_after(c, stream, "0-0", 10, 0ms);
  EXPECT_EQ(event_ids(all), (std::vector<std::string>{"e0", "e1", "e2"}));
  EXPECT_EQ(event_ids(redis::read_after(c, stream, all[0].id, 1, 0ms)), (std::vector<std::string>{"e1"}))
    << "after the id, COUNT at most";
  EXPECT_TRUE(redis::read_after(c, stream, all[2].id, 10, 0ms).empty());
  EXPECT_EQ(c.run({"XINFO", "GROUPS", stream}).elements.size(), 0u) << "no group was created";
}

TEST_F(redis_streams, read_after_waits_for_the_next_entry) {
  auto waiting = std::async(std::launch::async, [&] {
    redis::client reader{settings_for(server)};
    reader.connect();
    return redis::read_after(reader, stream, "0-0", 10, 5000ms);
  });
  // Once the reader is blocked in XREAD, the entry it waits for is written.
  ASSERT_TRUE(eventually([&] { return c.run({"CLIENT", "LIST"}).text.find("cmd=xread") != std::string::npos; }));
  redis::append_events(c, stream, 1000, batch_of(1), config::topic_format::json);
  EXPECT_EQ(event_ids(waiting.get()), (std::vector<std::string>{"e0"}));
}

TEST_F(redis_streams, last_entries_are_the_newest_oldest_first) {
  EXPECT_TRUE(redis::last_entries(c, stream, 2).empty());
  redis::append_events(c, stream, 1000, batch_of(4), config::topic_format::json);
  EXPECT_EQ(event_ids(redis::last_entries(c, stream, 2)), (std::vector<std::string>{"e2", "e3"}));
  EXPECT_EQ(event_ids(redis::last_entries(c, stream, 10)), (std::vector<std::string>{"e0", "e1", "e2", "e3"}));
}

TEST_F(redis_streams, read_group_from_zero_returns_this_consumers_own_pending_entries) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json);
  auto mine = redis::read_group(c, stream, group, "c1", ">", 2, 0ms);
  auto theirs = redis::read_group(c, stream, group, "c2", ">", 10, 0ms);
  ASSERT_EQ(mine.size(), 2u);
  ASSERT_EQ(theirs.size(), 1u);

  auto pending = redis::read_group(c, stream, group, "c1", "0", 10, 0ms);
  EXPECT_EQ(entry_ids(pending), entry_ids(mine));
  EXPECT_EQ(event_ids(pending), (std::vector<std::string>{"e0", "e1"}));
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "c2", "0", 10, 0ms)), (std::vector<std::string>{"e2"}));

  // After an id: only the pending entries past it.
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "c1", mine[0].id, 10, 0ms)),
            (std::vector<std::string>{"e1"}));
  // Reading history does not deliver anything new, and a stranger has nothing pending.
  EXPECT_TRUE(redis::read_group(c, stream, group, "c3", "0", 10, 0ms).empty());
  EXPECT_EQ(pending_count(c, stream, group), 3);
}

TEST_F(redis_streams, acknowledge_removes_entries_from_pending) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json);
  auto read = redis::read_group(c, stream, group, "c", ">", 10, 0ms);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(pending_count(c, stream, group), 3);

  redis::acknowledge(c, stream, group, {read[0].id, read[2].id});
  EXPECT_EQ(pending_count(c, stream, group), 1);
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "c", "0", 10, 0ms)), (std::vector<std::string>{"e1"}));

  redis::acknowledge(c, stream, group, {});  // nothing to do
  redis::acknowledge(c, stream, group, {read[1].id, read[1].id});
  EXPECT_EQ(pending_count(c, stream, group), 0);
  EXPECT_TRUE(redis::read_group(c, stream, group, "c", "0", 10, 0ms).empty());
  EXPECT_EQ(integer_of(c, {"XLEN", stream}), 3) << "acknowledging does not delete";
}

TEST_F(redis_streams, auto_claim_takes_over_entries_idle_for_another_consumer) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json);
  auto ghosts = redis::read_group(c, stream, group, "ghost", ">", 2, 0ms);
  ASSERT_EQ(ghosts.size(), 2u);

  // Not idle long enough: nothing moves.
  auto too_soon = redis::auto_claim(c, stream, group, "alive", 60s, "0-0", 10);
  EXPECT_TRUE(too_soon.entries.empty());
  EXPECT_EQ(too_soon.next_cursor, "0-0");

  redis::claim_result claimed;
  EXPECT_TRUE(eventually([&] {
    claimed = redis::auto_claim(c, stream, group, "alive", 50ms, "0-0", 10);
    return !claimed.entries.empty();
  }));
  EXPECT_EQ(entry_ids(claimed.entries), entry_ids(ghosts));
  EXPECT_EQ(event_ids(claimed.entries), (std::vector<std::string>{"e0", "e1"}));
  EXPECT_EQ(field(claimed.entries[0], "type"), published_type);
  EXPECT_EQ(claimed.next_cursor, "0-0") << "the whole pending list was scanned";

  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "alive", "0", 10, 0ms)),
            (std::vector<std::string>{"e0", "e1"}));
  EXPECT_TRUE(redis::read_group(c, stream, group, "ghost", "0", 10, 0ms).empty());
  EXPECT_EQ(pending_count(c, stream, group), 2);
  // The unread entry was never pending, so it was not claimed: it is still new.
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "alive", ">", 10, 0ms)), (std::vector<std::string>{"e2"}));
}

TEST_F(redis_streams, auto_claim_pages_through_the_pending_list_with_its_cursor) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(5), config::topic_format::json);
  ASSERT_EQ(redis::read_group(c, stream, group, "ghost", ">", 10, 0ms).size(), 5u);

  redis::claim_result page;
  ASSERT_TRUE(eventually([&] {
    page = redis::auto_claim(c, stream, group, "alive", 20ms, "0-0", 2);
    return !page.entries.empty();
  }));
  std::vector<std::string> all = event_ids(page.entries);
  EXPECT_EQ(all.size(), 2u);
  EXPECT_NE(page.next_cursor, "0-0");
  for (int i = 0; i < 10 && page.next_cursor != "0-0"; ++i) {
    page = redis::auto_claim(c, stream, group, "alive", 20ms, page.next_cursor, 2);
    for (auto& id : event_ids(page.entries))
      all.push_back(id);
  }
  EXPECT_EQ(page.next_cursor, "0-0");
  EXPECT_EQ(all, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
}

TEST_F(redis_streams, a_pending_entry_deleted_from_the_stream_reads_back_as_deleted) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(2), config::topic_format::json);
  auto read = redis::read_group(c, stream, group, "c", ">", 10, 0ms);
  ASSERT_EQ(read.size(), 2u);
  ASSERT_EQ(integer_of(c, {"XDEL", stream, read[0].id}), 1);

  auto pending = redis::read_group(c, stream, group, "c", "0", 10, 0ms);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, read[0].id);
  EXPECT_TRUE(pending[0].deleted);
  EXPECT_TRUE(pending[0].fields.empty());
  EXPECT_EQ(pending[1].id, read[1].id);
  EXPECT_FALSE(pending[1].deleted);
  EXPECT_EQ(field(pending[1], "id"), "e1");

  // Acknowledging the deleted one clears it.
  redis::acknowledge(c, stream, group, {pending[0].id});
  EXPECT_EQ(event_ids(redis::read_group(c, stream, group, "c", "0", 10, 0ms)), (std::vector<std::string>{"e1"}));
}

TEST_F(redis_streams, auto_claim_passes_over_pending_entries_deleted_from_the_stream) {
  redis::create_group(c, stream, group, "$");
  redis::append_events(c, stream, 1000, batch_of(2), config::topic_format::json);
  auto read = redis::read_group(c, stream, group, "ghost", ">", 10, 0ms);
  ASSERT_EQ(read.size(), 2u);
  ASSERT_EQ(integer_of(c, {"XDEL", stream, read[0].id}), 1);

  redis::claim_result claimed;
  EXPECT_TRUE(eventually([&] {
    claimed = redis::auto_claim(c, stream, group, "alive", 20ms, "0-0", 10);
    return !claimed.entries.empty();
  }));
  EXPECT_EQ(event_ids(claimed.entries), (std::vector<std::string>{"e1"}));
}

TEST_F(redis_streams, group_lag_counts_the_entries_the_group_has_not_read) {
  redis::create_group(c, stream, group, "0");
  EXPECT_EQ(redis::group_lag(c, stream, group), std::optional<std::uint64_t>(0));
  redis::append_events(c, stream, 1000, batch_of(5), config::topic_format::json);
  EXPECT_EQ(redis::group_lag(c, stream, group), std::optional<std::uint64_t>(5));

  auto read = redis::read_group(c, stream, group, "c", ">", 3, 0ms);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(redis::group_lag(c, stream, group), std::optional<std::uint64_t>(2));
  redis::acknowledge(c, stream, group, entry_ids(read));
  EXPECT_EQ(redis::group_lag(c, stream, group), std::optional<std::uint64_t>(2)) << "lag counts unread, not unacked";

  redis::create_group(c, stream, "other", "0");
  EXPECT_EQ(redis::group_lag(c, stream, "other"), std::optional<std::uint64_t>(5)) << "each group has its own lag";

  redis::read_group(c, stream, group, "c", ">", 10, 0ms);
  EXPECT_EQ(redis::group_lag(c, stream, group), std::optional<std::uint64_t>(0));
  EXPECT_EQ(redis::group_lag(c, stream, "no-such-group"), std::nullopt);
}

TEST_F(redis_streams, an_error_reply_throws_command_error_with_the_redis_text_and_the_connection_stays_usable) {
  ASSERT_EQ(c.run({"SET", stream, "a string"}).text, "OK");

  auto message =
    command_error_of([&] { redis::append_events(c, stream, 1000, batch_of(3), config::topic_format::json); });
  EXPECT_NE(message.find("WRONGTYPE"), std::string::npos) << message;
  EXPECT_NE(message.find(stream), std::string::npos) << message;
  EXPECT_NE(message.find("e0"), std::string::npos) << "names the first refused event: " << message;
  EXPECT_TRUE(c.connected());
  // Every reply of the batch was read: the next command gets its own.
  EXPECT_EQ(c.run({"GET", stream}).text, "a string");
  EXPECT_EQ(c.run({"PING"}).text, "PONG");

  auto group_message = command_error_of([&] { redis::create_group(c, stream, group, "$"); });
  EXPECT_NE(group_message.find("WRONGTYPE"), std::string::npos) << group_message;

  redis::create_group(c, "real-stream", group, "$");
  auto nogroup = command_error_of([&] { redis::read_group(c, "real-stream", "missing-group", "c", ">", 10, 0ms); });
  EXPECT_NE(nogroup.find("NOGROUP"), std::string::npos) << nogroup;
  auto claim = command_error_of([&] { redis::auto_claim(c, "real-stream", "missing-group", "c", 0ms, "0-0", 10); });
  EXPECT_NE(claim.find("NOGROUP"), std::string::npos) << claim;
  auto lag = command_error_of([&] { redis::group_lag(c, "no-such-stream", group); });
  EXPECT_NE(lag.find("XINFO"), std::string::npos) << lag;
  auto ack = command_error_of([&] { redis::acknowledge(c, stream, group, {"1-0"}); });
  EXPECT_NE(ack.find("WRONGTYPE"), std::string::npos) << ack;

  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.run({"ECHO", "still in step"}).text, "still in step");
}

TEST_F(redis_streams, stream_commands_on_a_stopped_server_throw_connection_error) {
  redis::create_group(c, stream, group, "$");
  server.stop();
  auto message =
    connection_error_of([&] { redis::append_events(c, stream, 1000, batch_of(2), config::topic_format::json); });
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << message;
  EXPECT_FALSE(c.connected());
  auto again = connection_error_of([&] { redis::read_group(c, stream, group, "c", ">", 10, 0ms); });
  EXPECT_NE(again.find("not connected"), std::string::npos) << again;
}

}  // namespace
}  // namespace eventrouter
