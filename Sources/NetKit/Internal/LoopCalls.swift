import CNetKitShims

// The system calls only the async loop makes: its wake-up descriptor.
// Kept apart from Syscalls.swift so the loop's needs are listed in one place.

#if os(Linux)
@inline(__always)
func system_eventfd(_ initialValue: CUnsignedInt, _ flags: CInt) -> CInt {
    if mockedFailure("eventfd") { return -1 }
    return eventfd(initialValue, flags)
}
#endif

@inline(__always)
func system_read(_ fd: CInt, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    if mockedFailure("read") { return -1 }
    return read(fd, buffer, count)
}

@inline(__always)
func system_write(_ fd: CInt, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    if mockedFailure("write") { return -1 }
    return write(fd, buffer, count)
}

/// The calling thread's identity, to tell the loop thread from others.
@inline(__always)
func system_pthread_self() -> pthread_t {
    pthread_self()
}
