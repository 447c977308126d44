#include "app/allocator_tuning.hpp"

#include <malloc.h>

namespace mc::app {

void tune_allocator_for_images() {
  constexpr int kMmapThreshold = 32 * 1024 * 1024;   // only buffers above 32 MiB are mapped on their own
  constexpr int kTrimThreshold = 256 * 1024 * 1024;  // keep up to 256 MiB of free heap for reuse
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace mc::app
