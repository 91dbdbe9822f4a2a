#include "service/json_codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <boost/json.hpp>

namespace attnrec::service {
namespace {

namespace json = boost::json;

// Largest accepted event time: 9999-12-31T23:59:59Z, in milliseconds.
constexpr int64_t kMaxTsMs = 253402300799999;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at text[pos].
bool digits(std::string_view text, size_t pos, size_t n, int* out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

Status field_error(std::string_view field, std::string_view what) {
  return Status::invalid_argument("`" + std::string(field) + "` " + std::string(what));
}

}  // namespace

Status json_string(const json::value& v, std::string_view field, std::string* out) {
  if (!v.is_string()) return field_error(field, "must be a string");
  *out = std::string(v.get_string());
  return Status::ok();
}

Status json_string_list(const json::value& v, std::string_view field, std::vector<std::string>* out) {
  if (!v.is_array()) return field_error(field, "must be an array of strings");
  std::vector<std::string> list;
  list.reserve(v.get_array().size());
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return field_error(field, "must be an array of strings");
    list.emplace_back(e.get_string());
  }
  *out = std::move(list);
  return Status::ok();
}

Status json_number(const json::value& v, std::string_view field, double* out) {
  if (v.is_int64()) *out = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) *out = static_cast<double>(v.get_uint64());
  else if (v.is_double()) *out = v.get_double();
  else return field_error(field, "must be a number");
  return Status::ok();
}

Status json_number_in(const json::value& v, std::string_view field, double min, double max, double* out) {
  double x = 0;
  if (!json_number(v, field, &x).is_ok() || !(x >= min && x <= max)) {
    return field_error(field, "must be a number from " + serialize_json(min) + " to " + serialize_json(max));
  }
  *out = x;
  return Status::ok();
}

Status json_size_in(const json::value& v, std::string_view field, size_t min, size_t max, size_t* out) {
  const bool integral = v.is_uint64() || (v.is_int64() && v.get_int64() >= 0);
  const uint64_t x = v.is_uint64() ? v.get_uint64() : integral ? uint64_t(v.get_int64()) : 0;
  if (!integral || x < min || x > max) {
    return field_error(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  *out = static_cast<size_t>(x);
  return Status::ok();
}

Status json_bool(const json::value& v, std::string_view field, bool* out) {
  if (!v.is_bool()) return field_error(field, "must be true or false");
  *out = v.get_bool();
  return Status::ok();
}

Status json_only_fields(const json::object& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
      return Status::invalid_argument("unknown field `" + std::string(key) + "`");
    }
  }
  return Status::ok();
}

namespace {

void write_json(const json::value& v, std::string* out) {
  switch (v.kind()) {
    case json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first) out->push_back(',');
        first = false;
        *out += json::serialize(json::string_view(key));
        out->push_back(':');
        write_json(value, out);
      }
      out->push_back('}');
      return;
    }
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& value : v.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        write_json(value, out);
      }
      out->push_back(']');
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        *out += "null";
        return;
      }
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, d);
      out->append(buf, r.ptr);
      return;
    }
    default:
      *out += json::serialize(v);
  }
}

}  // namespace

std::string serialize_json(const json::value& value) {
  std::string out;
  write_json(value, &out);
  return out;
}

bool parse_rfc3339(std::string_view t, int64_t* ms) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, &year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, &month) ||
      t[7] != '-' || !digits(t, 8, 2, &day) ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(t, 11, 2, &hour) ||
      t[13] != ':' || !digits(t, 14, 2, &minute) || t[16] != ':' || !digits(t, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) ||
      hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    size_t n = 0;
    int64_t scale = 100;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      millis += (t[pos] - '0') * scale;  // digits past milliseconds are dropped
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return false;
  }
  if (pos >= t.size()) return false;
  int64_t offset_min = 0;
  if (t[pos] == 'Z' || t[pos] == 'z') {
    ++pos;
  } else if (t[pos] == '+' || t[pos] == '-') {
    int oh, om;
    if (!digits(t, pos + 1, 2, &oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !digits(t, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_min = (oh * 60 + om) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != t.size()) return false;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // A leap second (:60) is folded onto the next second.
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  *ms = secs * 1000 + millis;
  return true;
}

std::string format_rfc3339(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const int64_t millis = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (H. Hinnant)
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[80];  // generous: the compiler cannot see the fields are bounded
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(millis));
  return buf;
}

Status decode_event(const json::value& value, EventInput* event) {
  if (!value.is_object()) return Status::invalid_argument("an event must be a JSON object");
  bool has_user = false, has_item = false;
  for (const auto& [key, v] : value.get_object()) {
    Status s;
    if (key == "user") {
      s = json_string(v, "user", &event->user);
      has_user = true;
    } else if (key == "item") {
      s = json_string(v, "item", &event->item);
      has_item = true;
    } else if (key == "type") {
      s = json_string(v, "type", &event->type);
    } else if (key == "id") {
      s = json_string(v, "id", &event->id);
      if (s.is_ok() && event->id.empty()) s = field_error("id", "must not be empty");
    } else if (key == "weight") {
      double w = 0;
      s = json_number(v, "weight", &w);
      if (s.is_ok() && !std::isfinite(static_cast<float>(w))) s = field_error("weight", "must be finite");
      event->weight = static_cast<float>(w);
    } else if (key == "ts") {
      if (v.is_string()) {
        int64_t ms = 0;
        if (!parse_rfc3339(v.get_string(), &ms)) {
          s = field_error("ts", "must be unix seconds or an RFC 3339 time such as 2024-05-01T12:00:00Z");
        }
        event->ts_ms = ms;
      } else {
        double secs = 0;
        s = json_number(v, "ts", &secs);
        if (s.is_ok() && (!std::isfinite(secs) || secs < 0 || secs * 1000 > kMaxTsMs)) {
          s = field_error("ts", "must be unix seconds between 0 and 253402300799");
        }
        event->ts_ms = static_cast<int64_t>(std::llround(secs * 1000));
      }
      if (s.is_ok() && (*event->ts_ms < 0 || *event->ts_ms > kMaxTsMs)) {
        s = field_error("ts", "must lie between 1970 and 9999");
      }
    } else {
      s = Status::invalid_argument("unknown field `" + std::string(key) + "`");
    }
    if (!s.is_ok()) return s;
  }
  if (!has_user) return field_error("user", "is required");
  if (!has_item) return field_error("item", "is required");
  return Status::ok();
}

Status decode_item(const json::value& value, Item* item) {
  if (!value.is_object()) return Status::invalid_argument("an item must be a JSON object");
  for (const auto& [key, v] : value.get_object()) {
    Status s;
    if (key == "id") {
      std::string id;
      s = json_string(v, "id", &id);
      if (s.is_ok() && !item->id.empty() && id != item->id) {
        s = field_error("id", "differs from the item named in the URL");
      }
      item->id = std::move(id);
    } else if (key == "title") {
      s = json_string(v, "title", &item->title);
    } else if (key == "text") {
      s = json_string(v, "text", &item->text);
    } else if (key == "tags") {
      s = json_string_list(v, "tags", &item->tags);
    } else if (key == "attributes") {
      if (!v.is_object()) s = field_error("attributes", "must be an object");
      else item->attributes = v.get_object();
    } else if (key == "available") {
      s = json_bool(v, "available", &item->available);
    } else if (key == "updated") {
      // Echoed back by GET; accepted and ignored so a fetched item can be PUT back.
    } else {
      s = Status::invalid_argument("unknown field `" + std::string(key) + "`");
    }
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

json::object encode_item(const Item& item) {
  json::object o;
  o["id"] = item.id;
  o["title"] = item.title;
  o["text"] = item.text;
  json::array tags;
  for (const auto& t : item.tags) tags.emplace_back(t);
  o["tags"] = std::move(tags);
  o["attributes"] = item.attributes;
  o["available"] = item.available;
  if (item.updated_ms > 0) o["updated"] = format_rfc3339(item.updated_ms);
  return o;
}

}  // namespace attnrec::service
