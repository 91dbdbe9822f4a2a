#include "service/import/pairs.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "service/import/fields.h"

namespace attnrec::service::importing {

namespace {

class PairsParser final : public LineParser {
 public:
  explicit PairsParser(std::optional<int64_t> base_ms) : base_ms_(base_ms) {}

  void begin_import(uint64_t bytes_total) override {
    // Ends before "now" even if every line were the shortest possible "a b\n".
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    next_ms_ = base_ms_.value_or(now_ms - static_cast<int64_t>((bytes_total + 3) / 4));
  }

  std::string parse_line(std::string_view line, uint64_t, ParseOutput& out) override {
    if (is_blank(line)) return {};
    split_whitespace(line, &parts_);
    if (parts_.size() != 2) {
      return "expected two columns `user item`, found " + std::to_string(parts_.size());
    }
    EventInput e;
    e.user.assign(parts_[0]);
    e.item.assign(parts_[1]);
    e.type = "view";
    e.ts_ms = next_ms_;
    std::string err = out.add_event(std::move(e));
    if (err.empty()) ++next_ms_;
    return err;
  }

 private:
  const std::optional<int64_t> base_ms_;
  int64_t next_ms_ = 0;
  std::vector<std::string_view> parts_;
};

}  // namespace

std::unique_ptr<LineParser> make_pairs_parser(std::optional<int64_t> base_ms) {
  return std::make_unique<PairsParser>(base_ms);
}

}  // namespace attnrec::service::importing
