// The `troupe` executable: node, submit, skills, status and bench.
#include "node/cli/cli.hpp"

int main(int argc, char** argv) {
  return troupe::cli::run(argc, argv);
}
