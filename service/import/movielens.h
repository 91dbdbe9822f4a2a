// The `movielens` import format: a folder (or the files themselves) of one
// MovieLens release:
//   ML-1M/10M  `movies.dat` + `ratings.dat` (`::`-separated),
//   ml-latest  `movies.csv` + `ratings.csv` (RFC 4180 CSV, header),
//   ml-100k    `u.item` + `u.data` (+ `u.genre`).
// Movies become catalog items (id = MovieID, title with its year, tags = the
// genres lowercased, attributes.year); they are loaded before ratings, which
// become events {user = UserID, item = MovieID, type "rating", weight = the
// rating, ts = the timestamp}. Latin-1 lines (movies.dat, u.item) are
// converted to UTF-8. Events carry no idempotency id: importing a release
// twice stores its ratings twice.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "service/import/line_parser.h"

namespace attnrec::service::importing {

std::unique_ptr<LineParser> make_movielens_parser();

// ISO-8859-1 bytes to UTF-8.
std::string latin1_to_utf8(std::string_view text);

}  // namespace attnrec::service::importing
