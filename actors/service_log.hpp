#pragma once
// The service's own log on stderr, so it never mixes with what a log sink prints on stdout: one
// line per entry, a JSON object ({"time", "level", "msg"} and the entry's fields) or, for
// people, text (`2026-11-26T03:12:00.123Z WARN  msg key=value ...`). Entries below the level
// set are dropped. Secrets (URL passwords, Bearer and Basic credentials) are masked in the
// message and every field value (config/secrets.hpp).
//
// Any thread may log, and no thread waits for the reader of stderr: lines go through a
// line_writer (actors/line_writer.hpp), written by the caller while stderr takes them at once,
// else queued for the writer's thread. A stderr nobody reads stalls that thread only; past 1 MiB
// queued, lines are dropped, counted (eventrouter_log_lines_dropped_total), and the next line
// written is preceded by a warning saying how many.

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

namespace eventrouter {

enum class log_level { debug, info, warn, error };
enum class log_format { json, text };

// One field of an entry, written after its message: "event_id": "e-1" in JSON, event_id=e-1 in
// text. Keys other than time, level and msg.
struct log_field {
  std::string_view key;
  std::string_view value;
};

void log_line(log_level level, std::string_view message);
void log_line(log_level level, std::string_view message, std::initializer_list<log_field> fields);
void log_line(log_level level, std::string_view message, std::span<const log_field> fields);

// Whether entries of `level` are written: callers that build a costly message ask first.
bool log_enabled(log_level level);

// Set at start-up, before other threads log (`eventrouter run --log-format --log-level`).
void set_log_level(log_level lowest);
void set_log_format(log_format format);

// "debug", "info", "warn", "error" / "json", "text": the names on the command line and in the
// JSON lines; nullopt for any other.
std::optional<log_level> log_level_named(std::string_view name);
std::optional<log_format> log_format_named(std::string_view name);

// Waits until the queued lines are written, or `timeout` passed: what a command logged last
// (why it failed) reaches stderr before the process exits, unless stderr is stalled.
void flush_log(std::chrono::milliseconds timeout);

// Tests only: where lines go (nullptr: back to stderr). Not while other threads log.
void set_log_output(std::FILE* out);

}  // namespace eventrouter
