#include "service/cli.h"

#include <CLI/CLI.hpp>

namespace attnrec::cli {

void add_import_command(CLI::App& /*app*/) {}

}  // namespace attnrec::cli
