#include "config/secrets.hpp"

#include <array>
#include <cctype>

namespace eventrouter::config {

namespace {

constexpr std::string_view mask = "***";
constexpr std::array<std::string_view, 2> auth_schemes{"bearer", "basic"};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Secrets end at whitespace or a quote: the delimiters of a URL or token in a sentence, in JSON
// and in a header. Not at '/', ',' or ';', which a password may hold.
bool ends_secret(char c) { return is_space(c) || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>'; }

std::size_t secret_end(std::string_view text, std::size_t from) {
  while (from < text.size() && !ends_secret(text[from]))
    ++from;
  return from;
}

// Where `word` (lower case) starts in `text` at or after `from`, in any case; npos if nowhere.
std::size_t find_any_case(std::string_view text, std::string_view word, std::size_t from = 0) {
  for (auto i = from; i + word.size() <= text.size(); ++i) {
    std::size_t n = 0;
    while (n < word.size() && lower(text[i + n]) == word[n])
      ++n;
    if (n == word.size())
      return i;
  }
  return std::string_view::npos;
}

// The credentials of every scheme://user:password@host: the password, or a lone user name.
std::string mask_url_credentials(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (auto sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
    auto start = sep + 3;
    if (start < copied)
      continue;
    auto url = text.substr(start, secret_end(text, start) - start);
    auto at = url.rfind('@');
    if (at == std::string_view::npos)
      continue;
    auto colon = url.substr(0, at).find(':');
    auto masked_from = start + (colon == std::string_view::npos ? 0 : colon + 1);
    out.append(text.substr(copied, masked_from - copied)).append(mask);
    copied = start + at;  // from the '@' on
  }
  return out.append(text.substr(copied));
}

// The credentials after an authorization scheme: "Bearer abc" -> "Bearer ***".
std::string mask_auth_credentials(std::string_view text, std::string_view scheme) {
  std::string out;
  std::size_t copied = 0;
  for (auto i = find_any_case(text, scheme); i != std::string_view::npos; i = find_any_case(text, scheme, i + 1)) {
    auto start = i + scheme.size();
    if (i < copied || (i > 0 && is_word(text[i - 1])) || start >= text.size() || !is_space(text[start]))
      continue;  // part of a longer word ("schema_registry_basic_auth", "basically")
    while (start < text.size() && is_space(text[start]))
      ++start;
    auto end = secret_end(text, start);
    if (end == start)
      continue;
    out.append(text.substr(copied, start - copied)).append(mask);
    copied = end;
  }
  return out.append(text.substr(copied));
}

}  // namespace

bool may_hold_secrets(std::string_view text) {
  if (text.find('@') != std::string_view::npos)
    return true;
  for (auto scheme : auth_schemes)
    if (find_any_case(text, scheme) != std::string_view::npos)
      return true;
  return false;
}

std::string mask_secrets(std::string_view text) {
  auto out = mask_url_credentials(text);
  for (auto scheme : auth_schemes)
    out = mask_auth_credentials(out, scheme);
  return out;
}

}  // namespace eventrouter::config
