#include "cli/cli.h"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace attnrec::cli {

namespace {
std::vector<std::string>& arguments() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

const std::vector<std::string>& command_line() { return arguments(); }

int run(int argc, char** argv) {
  arguments().assign(argv + std::min(argc, 1), argv + argc);
  CLI::App app{"attnrec: an attention-based recommender service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attnrec 0.1.0");
  add_serve_command(app);
  add_import_command(app);
  add_model_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); a usage error exits 2, as Unix
    // tools do, bad input found while running exits 1 (CLI::RuntimeError).
    const int code = app.exit(e);
    return code == 0 || dynamic_cast<const CLI::RuntimeError*>(&e) ? code : 2;
  }
  return 0;
}

}  // namespace attnrec::cli
