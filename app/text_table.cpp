#include "text_table.hpp"

#include <algorithm>

namespace eventrouter::cli {

namespace {

bool continues_a_code_point(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::size_t display_width(std::string_view text) {
  auto starts = std::count_if(text.begin(), text.end(), [](char c) { return !continues_a_code_point(c); });
  return static_cast<std::size_t>(starts);
}

std::string cut(std::string_view text, std::size_t width) {
  if (display_width(text) <= width)
    return std::string(text);
  if (width == 0)
    return "";
  // Keep width - 1 code points, then the ellipsis.
  std::size_t kept = 0, end = 0;
  for (; end < text.size(); ++end) {
    if (!continues_a_code_point(text[end]) && kept++ == width - 1)
      break;
  }
  return std::string(text.substr(0, end)) + "…";
}

std::string fixed_row(const table_row& row, const std::vector<std::size_t>& widths, std::string_view indent) {
  std::string line(indent);
  for (std::size_t i = 0; i < row.size(); ++i) {
    bool sized = i < widths.size();
    auto cell = sized ? cut(row[i], widths[i]) : row[i];
    line += cell;
    if (i + 1 < row.size())
      line += std::string((sized ? widths[i] - display_width(cell) : 0) + 2, ' ');
  }
  while (line.size() > indent.size() && line.back() == ' ')  // the padding before an empty last cell
    line.pop_back();
  return line;
}

void print_table(std::ostream& out, const std::vector<table_row>& rows, std::string_view indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  }
  for (const auto& row : rows)
    out << fixed_row(row, widths, indent) << "\n";
}

}  // namespace eventrouter::cli
