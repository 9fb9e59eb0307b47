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

/// The calling thread's identity as a number, to tell the loop thread from others
/// (`pthread_t` is an integer on Linux and a pointer on Darwin).
@inline(__always)
func system_pthread_self() -> UInt {
    #if os(Linux)
    UInt(pthread_self())
    #else
    UInt(bitPattern: pthread_self())
    #endif
}

// The async layer's locks (Internal/Lock.swift). They return an error number, never -1.

@inline(__always)
func system_pthread_mutex_init(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> CInt {
    pthread_mutex_init(mutex, nil)
}

@inline(__always)
func system_pthread_mutex_destroy(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> CInt {
    pthread_mutex_destroy(mutex)
}

@inline(__always)
func system_pthread_mutex_lock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> CInt {
    pthread_mutex_lock(mutex)
}

@inline(__always)
func system_pthread_mutex_unlock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> CInt {
    pthread_mutex_unlock(mutex)
}
