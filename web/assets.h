// The web console's files (web/index.html, console.js, console.css),
// compiled in by web/CMakeLists.txt and served by api/ at / and
// /console/{file}.
#pragma once

#include <string_view>

namespace attnrec::web {

struct Asset {
  std::string_view name;          // "console.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// The file of that name, or nullptr.
const Asset* find_asset(std::string_view name);

}  // namespace attnrec::web
