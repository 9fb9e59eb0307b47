// Counts heap allocations in this process: malloc, calloc, realloc,
// posix_memalign, aligned_alloc and memalign are defined here, count, and
// forward to glibc's own entry points (__libc_malloc and friends).
#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H
#include <stdint.h>

/// Allocations made so far by every thread of the process.
uint64_t mc_allocations(void);
/// Whether the counting hook is in place (glibc); 0 where it is not, and counts stay 0.
int mc_is_active(void);
#endif
