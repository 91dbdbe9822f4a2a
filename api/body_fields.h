// Typed fields of a JSON request body (POST /v1/recommendations, /v1/rank,
// /v1/search, /v1/admin/train). Each reader leaves *out unchanged when the
// field is absent and returns the 422 to send when it has the wrong type or
// range, naming the field.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "api/decode.h"

namespace attnrec::api {

// 422 for a field not in `known`: a typo must not be silently ignored.
MaybeError only_fields(const boost::json::object& body, std::initializer_list<std::string_view> known);

MaybeError string_field(const boost::json::object& body, std::string_view name, std::string* out);
MaybeError string_list_field(const boost::json::object& body, std::string_view name,
                             std::vector<std::string>* out);
MaybeError size_field(const boost::json::object& body, std::string_view name, size_t min, size_t max,
                      size_t* out);
// `k` of a body (unchanged when absent); its range is the service's to check,
// as for k_param.
MaybeError k_field(const boost::json::object& body, size_t* k);
MaybeError bool_field(const boost::json::object& body, std::string_view name, bool* out);
MaybeError number_field(const boost::json::object& body, std::string_view name, double min, double max,
                        double* out);

// A JSON object body (415/400 from parse_json_body, 422 when not an object).
MaybeError object_body(const HttpRequest& req, boost::json::object* out);

}  // namespace attnrec::api
