// Counts heap allocations in the benchmark process (malloc and friends are
// interposed by malloccount.c, linked into the executable).
unsigned long netkit_bench_allocations(void);
