#pragma once
// Rows of text in aligned columns, for the commands' readable output.

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace eventrouter::cli {

using table_row = std::vector<std::string>;

// Prints each row on one line, columns padded to their widest cell and two spaces apart, each
// line starting with `indent`. The first row is usually the header.
void print_table(std::ostream& out, const std::vector<table_row>& rows, std::string_view indent = "  ");

// One row in columns of the given widths (for rows printed as they come, whose widest cell is
// not known): each cell but the last padded to its width, or cut to it (see `cut`).
std::string fixed_row(const table_row& row, const std::vector<std::size_t>& widths, std::string_view indent = "  ");

// How many characters `text` shows: UTF-8 code points (each taken as one column).
std::size_t display_width(std::string_view text);

// `text` at most `width` characters long: cut between two code points and ended with "…"
// when it is longer.
std::string cut(std::string_view text, std::size_t width);

}  // namespace eventrouter::cli
