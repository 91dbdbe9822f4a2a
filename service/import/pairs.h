// The `pairs` import format: SASRec's `user item` per line, line order is
// time order. Both columns are kept as strings. Lines carry no time, so event
// n (counting from 0 over all files) gets ts = base + n ms, type "view":
// per-user order is preserved and, with the default base (import start minus
// total bytes / 4 ms, an upper bound on the line count), every timestamp lies
// in the recent past. Blank lines are skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "service/import/line_parser.h"

namespace attnrec::service::importing {

// `base_ms`: ts of the first line; nullopt for the default above.
std::unique_ptr<LineParser> make_pairs_parser(std::optional<int64_t> base_ms);

}  // namespace attnrec::service::importing
