// The `shoal` binary: every verb lives in src/cli/.
#include "cli/command.h"

int main(int argc, char** argv) { return shoal::cli::Main(argc, argv); }
