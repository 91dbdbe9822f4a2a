#include "api/auth.h"

#include <fstream>
#include <sstream>

#include <boost/beast/http/field.hpp>

namespace attnrec::api {
namespace {

// Compares without an early exit so a key cannot be guessed byte by byte
// from response times.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool parse_role(std::string_view name, Role* role) {
  if (name == "read") *role = Role::kRead;
  else if (name == "write") *role = Role::kWrite;
  else if (name == "admin") *role = Role::kAdmin;
  else return false;
  return true;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kRead: return "read";
    case Role::kWrite: return "write";
    case Role::kAdmin: return "admin";
    case Role::kNone: break;
  }
  return "none";
}

Status ApiKeys::add(std::string key, Role role) {
  if (key.empty()) return Status::invalid_argument("an API key must not be empty");
  if (key.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::invalid_argument("an API key must not contain white space");
  }
  for (const Entry& e : keys_) {
    // Never echo a key: name it by its position only.
    if (e.key == key) return Status::invalid_argument("an API key is listed twice");
  }
  keys_.push_back({std::move(key), role});
  return Status::ok();
}

Status ApiKeys::merge(const ApiKeys& other) {
  for (const Entry& e : other.keys_) {
    if (Status s = add(e.key, e.role); !s.is_ok()) return s;
  }
  return Status::ok();
}

Result<ApiKeys> ApiKeys::parse_file_text(std::string_view text, std::string_view file) {
  ApiKeys keys;
  size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = std::string(file) + ":" + std::to_string(line_no) + ": ";
    const auto space = line.find_first_of(" \t");
    Role role = Role::kNone;
    if (space == std::string_view::npos || !parse_role(trim(line.substr(space)), &role)) {
      return Status::invalid_argument(where + "expected `KEY ROLE` with ROLE read, write or admin");
    }
    if (Status s = keys.add(std::string(line.substr(0, space)), role); !s.is_ok()) {
      return s.with_prefix(where);
    }
  }
  return keys;
}

Result<ApiKeys> ApiKeys::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(path + ": cannot read the API keys file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_file_text(text.str(), path);
}

Result<ApiKeys> ApiKeys::parse_list(std::string_view list) {
  ApiKeys keys;
  size_t index = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    ++index;
    if (item.empty()) continue;
    const auto colon = item.rfind(':');
    Role role = Role::kNone;
    const std::string where = "ATTNREC_API_KEYS entry " + std::to_string(index) + ": ";
    if (colon == std::string_view::npos || !parse_role(item.substr(colon + 1), &role)) {
      return Status::invalid_argument(where + "expected KEY:ROLE with ROLE read, write or admin");
    }
    if (Status s = keys.add(std::string(item.substr(0, colon)), role); !s.is_ok()) {
      return s.with_prefix(where);
    }
  }
  return keys;
}

Role ApiKeys::role_of(std::string_view key) const {
  Role found = Role::kNone;
  for (const Entry& e : keys_) {
    if (constant_time_equal(key, e.key)) found = e.role;  // no early exit
  }
  return key.empty() ? Role::kNone : found;
}

std::string_view request_key(const HttpRequest& req) {
  if (auto it = req.find("X-API-Key"); it != req.end()) return it->value();
  if (auto it = req.find(boost::beast::http::field::authorization); it != req.end()) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view value = it->value();
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
      return value.substr(kBearer.size());
    }
  }
  return {};
}

}  // namespace attnrec::api
