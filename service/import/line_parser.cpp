#include "service/import/line_parser.h"

#include <filesystem>
#include <system_error>

namespace attnrec::service::importing {

namespace fs = std::filesystem;

Status LineParser::list_files(const std::vector<std::string>& paths,
                              std::vector<std::string>* files, std::vector<std::string>*) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return Status::not_found(p + ": no such file");
    if (!fs::is_regular_file(p, ec)) return Status::invalid_argument(p + ": not a regular file");
    files->push_back(p);
  }
  return Status::ok();
}

}  // namespace attnrec::service::importing
