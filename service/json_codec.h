// The JSON form of events and items, shared by HTTP bodies, the JSON-lines
// importer and the catalog's stored records; RFC 3339 times; and the one
// JSON writer. Decoders check types and report the offending field; semantic
// checks (id lengths, type names) happen in validate.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "base/status.h"
#include "service/item.h"
#include "service/events.h"

namespace attnrec::service {

// {"user","item","type"?,"ts"? (unix seconds number or RFC 3339 string),
//  "weight"?, "id"?}. Unknown fields are rejected (kInvalidArgument).
Status decode_event(const boost::json::value& json, EventInput* event);

// {"id"?,"title"?,"text"?,"tags"?[],"attributes"?{},"available"?}.
// `id` may come from the URL instead; a body id that differs is an error.
Status decode_item(const boost::json::value& json, Item* item);

boost::json::object encode_item(const Item& item);

// JSON text on one line, numbers in their shortest round-trip form ("0.25",
// "1e-07"; boost::json::serialize writes "2.5E-1"), non-finite numbers as null.
std::string serialize_json(const boost::json::value& value);

// RFC 3339 ("2024-05-01T12:00:00Z", "...+02:00", fractional seconds) to unix
// milliseconds; false when the text is not RFC 3339.
bool parse_rfc3339(std::string_view text, int64_t* ms);
// Unix milliseconds to "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_rfc3339(int64_t ms);

}  // namespace attnrec::service
