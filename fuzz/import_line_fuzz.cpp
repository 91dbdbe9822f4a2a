// libFuzzer target: the import formats through the LineParser seam
// (service/import/line_parser.h), as run_import drives them. The first byte
// picks the parser and, for movielens, the file it believes it reads
// (movies.dat, ratings.dat, movies.csv, ratings.csv, u.item, u.data); the
// rest is split into lines (the driver strips "\n" and "\r\n"), fed to
// parse_line in order, then finish_file. Values go through the driver's own
// checks (check_event, check_item), as in importer.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "service/import/jsonl.h"
#include "service/import/line_parser.h"
#include "service/import/movielens.h"
#include "service/import/pairs.h"
#include "service/validate.h"

namespace {

using namespace attnrec::service;
using namespace attnrec::service::importing;

class CheckingOutput final : public ParseOutput {
 public:
  std::string add_event(EventInput event) override {
    const attnrec::Status s = check_event(event);
    return s.is_ok() ? std::string() : s.message();
  }
  std::string add_item(Item item) override {
    const attnrec::Status s = check_item(item);
    return s.is_ok() ? std::string() : s.message();
  }
};

constexpr const char* kMovieLensFiles[] = {"movies.dat", "ratings.dat", "movies.csv",
                                           "ratings.csv", "u.item",      "u.data"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t pick = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::unique_ptr<LineParser> parser;
  // A path in a folder that does not exist: begin_file may look for
  // siblings (u.genre) and must cope with their absence.
  std::string path = "/nonexistent-attnrec-fuzz/";
  switch (pick % 8) {
    case 0: parser = make_pairs_parser(1700000000000); path += "pairs.txt"; break;
    case 1: parser = make_jsonl_parser(); path += "events.jsonl"; break;
    default:
      parser = make_movielens_parser();
      path += kMovieLensFiles[(pick % 8) - 2];
      break;
  }
  std::vector<std::string> warnings;
  parser->begin_import(size);
  parser->begin_file(path, &warnings);
  CheckingOutput out;
  uint64_t number = 0;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    (void)parser->parse_line(line, ++number, out);
  }
  (void)parser->finish_file();
  return 0;
}
