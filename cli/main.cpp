// attnrec: parses the command line and runs one subcommand (see service/cli.h).
#include "cli/cli.h"

int main(int argc, char** argv) { return attnrec::cli::run(argc, argv); }
