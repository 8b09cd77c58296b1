#pragma once

// What the fuzz targets share: a failed property stops the run with a
// message, as a sanitizer finding would.

#include <cstdio>
#include <cstdlib>

namespace troupe::fuzz {

[[noreturn]] inline void broken(const char* target, const char* what) {
  std::fprintf(stderr, "%s fuzzer: %s\n", target, what);
  std::abort();
}

} // namespace troupe::fuzz
