// The `jsonl` import format: one JSON object per line. Rule: an object with a
// "user" field is an event (decode_event), otherwise an object with an "id"
// field is a catalog item (decode_item); anything else is a bad line. Blank
// lines are skipped. Events may carry idempotency ids ("id"), so importing
// the same file twice stores its events once.
#pragma once

#include <memory>

#include "service/import/line_parser.h"

namespace attnrec::service::importing {

std::unique_ptr<LineParser> make_jsonl_parser();

}  // namespace attnrec::service::importing
