#include "service/import/jsonl.h"

#include <string>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "service/json_codec.h"
#include "service/import/fields.h"

namespace attnrec::service::importing {

namespace {

class JsonlParser final : public LineParser {
 public:
  std::string parse_line(std::string_view line, uint64_t, ParseOutput& out) override {
    if (is_blank(line)) return {};
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec) return "not valid JSON: " + ec.message();
    if (!v.is_object()) return "expected a JSON object";
    const auto& obj = v.get_object();
    if (obj.contains("user")) {
      EventInput e;
      Status st = decode_event(v, &e);
      if (!st.is_ok()) return st.message();
      return out.add_event(std::move(e));
    }
    if (obj.contains("id")) {
      Item item;
      Status st = decode_item(v, &item);
      if (!st.is_ok()) return st.message();
      return out.add_item(std::move(item));
    }
    return "neither an event (needs \"user\") nor an item (needs \"id\")";
  }
};

}  // namespace

std::unique_ptr<LineParser> make_jsonl_parser() { return std::make_unique<JsonlParser>(); }

}  // namespace attnrec::service::importing
