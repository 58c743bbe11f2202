#pragma once
// The slow half of the agreement check, on a sample: the real binary, as an operator runs it.
//  - `run` on a file check-config accepted becomes ready and takes a POST /v1/events;
//  - `run` on a file it refused exits non-zero, printing the same problems;
//  - a running service of a valid configuration, sent SIGHUP after its file was replaced, applies
//    an accepted file (the generation moves, /v1/reloads says ok) and refuses a refused one with
//    the same problems while it keeps serving (the generation stays, POST /v1/events gets 202).
// Each returns what disagreed; empty when nothing did.

#include "verdict.hpp"

#include <string>
#include <vector>

namespace eventrouter::testing {

std::vector<std::string> run_serves(const std::string& text);
std::vector<std::string> run_refuses(const std::string& file, const verdict& check);
// `base_text` routes xblock.published events to a memory topic, so that its service serves one.
std::vector<std::string> reload_agrees(const std::string& text, const std::string& base_text, const verdict& check);

}  // namespace eventrouter::testing
