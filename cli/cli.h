// The attnrec command line: one executable, one subcommand per task.
#pragma once

#include <string>
#include <vector>

namespace CLI { class App; }

namespace attnrec::cli {

// Parses argv and runs the chosen subcommand; returns the process exit code.
int run(int argc, char** argv);

// The arguments run() was given (argv[1..]): where serve --print-config
// tells a flag from an environment variable.
const std::vector<std::string>& command_line();

// Each group of subcommands registers itself on the app (one file each).
void add_model_commands(CLI::App& app);    // train, eval, recommend: model_commands.cpp
void add_serve_command(CLI::App& app);     // serve: serve.cpp
void add_import_command(CLI::App& app);    // import, demo-data: import.cpp

}  // namespace attnrec::cli
