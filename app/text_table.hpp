#pragma once
// Rows of text in aligned columns, for the commands' readable output.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace eventrouter::cli {

using table_row = std::vector<std::string>;

// Prints each row on one line, columns padded to their widest cell and two spaces apart, each
// line starting with `indent`. The first row is usually the header.
void print_table(std::ostream& out, const std::vector<table_row>& rows, std::string_view indent = "  ");

}  // namespace eventrouter::cli
