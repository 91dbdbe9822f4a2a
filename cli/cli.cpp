#include "cli/cli.h"

#include <CLI/CLI.hpp>

namespace attnrec::cli {

int run(int argc, char** argv) {
  CLI::App app{"attnrec: an attention-based recommender service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attnrec 0.1.0");
  add_serve_command(app);
  add_import_command(app);
  add_model_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace attnrec::cli
