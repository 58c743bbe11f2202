#pragma once
// Masking secrets in text the service shows: log lines, and the free text of the /v1 endpoints
// (consumers' last errors, reload problems), where a configuration problem or a broker's error
// may quote a URL with its credentials.

#include <string>
#include <string_view>

namespace eventrouter::config {

// False when `text` cannot hold anything mask_secrets masks: no '@', no "bearer", no "basic"
// (in any case). A quick test, so that text without secrets is not copied.
bool may_hold_secrets(std::string_view text);

// `text` with `***` for
//   - the password of a URL with credentials, any scheme: redis://user:pass@host ->
//     redis://user:***@host; a user name alone is masked too (redis://secret@host is a
//     password alone to Redis): redis://***@host;
//   - the credentials after `Bearer` and `Basic` (authorization schemes, in any case):
//     Bearer abc.def -> Bearer ***.
// A URL runs to the next whitespace or quote, and its credentials to its last '@', as the
// configuration loader reads them: a password with a raw '/' or '@' is masked whole.
std::string mask_secrets(std::string_view text);

}  // namespace eventrouter::config
