#include "MallocCounter.h"
#include <stdatomic.h>
#include <stddef.h>
#include <errno.h>

static _Atomic uint64_t allocations;

uint64_t mc_allocations(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

#if defined(__linux__) && defined(__GLIBC__)
// glibc exports its allocator under these names as well, so forwarding needs
// no dlsym (which itself allocates).
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

int mc_is_active(void) { return 1; }

static inline void count(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *pointer, size_t size) { count(); return __libc_realloc(pointer, size); }
void free(void *pointer) { __libc_free(pointer); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer) return ENOMEM;
    *out = pointer;
    return 0;
}
#else
int mc_is_active(void) { return 0; }
#endif
