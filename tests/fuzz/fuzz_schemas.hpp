#pragma once
// The schemas the Avro targets use: tests/fuzz/schemas, real Open edX event schemas (as
// scripts/openedx-schemas writes them) and one with every kind of type the codec carries. Read
// and parsed once, in file-name order, so that an input picks the same schema in every run.

#include "config/settings.hpp"
#include "avro/avro_codec.hpp"

#include <string>
#include <vector>

namespace eventrouter::fuzz {

const std::string& schema_folder();
const config::schema_settings& schema_files();  // the text of each, by event type (the file's name)
const std::vector<avro_schema>& schemas();      // each parsed, in the order of their event types

}  // namespace eventrouter::fuzz
