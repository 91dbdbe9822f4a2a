#include "service/cli.h"

#include <CLI/CLI.hpp>

namespace attnrec::cli {

void add_model_commands(CLI::App& /*app*/) {}

}  // namespace attnrec::cli
