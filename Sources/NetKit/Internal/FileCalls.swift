import CNetKitShims

// The file calls behind `StreamConnection.sendFile`: one `system_<cname>` wrapper
// per libc call, in C parameter order, with the mocking seam (debug builds only).

#if os(Linux)
@inline(__always)
func system_sendfile(_ outFD: CInt, _ inFD: CInt, _ offset: UnsafeMutablePointer<off_t>?, _ count: Int) -> Int {
    if mockedFailure("sendfile") { return -1 }
    return sendfile(outFD, inFD, offset, count)
}
#endif

@inline(__always)
func system_pread(_ fd: CInt, _ buf: UnsafeMutableRawPointer?, _ count: Int, _ offset: off_t) -> Int {
    if mockedFailure("pread") { return -1 }
    return pread(fd, buf, count, offset)
}

@inline(__always)
func system_fstat(_ fd: CInt, _ buf: UnsafeMutablePointer<stat>) -> CInt {
    if mockedFailure("fstat") { return -1 }
    return fstat(fd, buf)
}
