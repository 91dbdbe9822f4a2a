// attnrec: parses the command line and runs one subcommand (see service/cli.h).
#include "service/cli.h"

int main(int argc, char** argv) { return attnrec::cli::run(argc, argv); }
