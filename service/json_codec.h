// The JSON form of events and items, shared by HTTP bodies, the JSON-lines
// importer and the catalog's stored records; the one set of typed field
// readers (api/body_fields.h adapts them to HTTP errors); RFC 3339 times;
// and the one JSON writer. Decoders check types and report the offending field; semantic
// checks (id lengths, type names) happen in validate.h.
#pragma once

#include <cstdint>
#include <string>
#include <initializer_list>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "base/status.h"
#include "service/item.h"
#include "service/events.h"

namespace attnrec::service {

// Typed readers of one JSON value named `field`: ok and *out set, or
// kInvalidArgument naming the field ("`k` must be an integer from 1 to 1000").
Status json_string(const boost::json::value& v, std::string_view field, std::string* out);
Status json_string_list(const boost::json::value& v, std::string_view field,
                        std::vector<std::string>* out);
Status json_number(const boost::json::value& v, std::string_view field, double* out);
Status json_number_in(const boost::json::value& v, std::string_view field, double min, double max,
                      double* out);
Status json_size_in(const boost::json::value& v, std::string_view field, size_t min, size_t max,
                    size_t* out);
Status json_bool(const boost::json::value& v, std::string_view field, bool* out);
// kInvalidArgument for the first key of `object` not in `known`.
Status json_only_fields(const boost::json::object& object, std::initializer_list<std::string_view> known);

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
