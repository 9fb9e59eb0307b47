import CNetKitShims

// One `system_<cname>` wrapper per libc call, in C parameter order, so one grep
// lists every system call NetKit makes. Each consults the mocking seam (debug
// builds only) and otherwise calls the system. No errno handling here: that is
// Retry.swift's job.

@inline(__always)
func system_socket(_ domain: CInt, _ type: CInt, _ proto: CInt) -> CInt {
    if mockedFailure("socket") { return -1 }
    return socket(domain, type, proto)
}

@inline(__always)
func system_socketpair(_ domain: CInt, _ type: CInt, _ proto: CInt, _ fds: UnsafeMutablePointer<CInt>) -> CInt {
    if mockedFailure("socketpair") { return -1 }
    return socketpair(domain, type, proto, fds)
}

@inline(__always)
func system_bind(_ fd: CInt, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> CInt {
    if mockedFailure("bind") { return -1 }
    return bind(fd, addr, len)
}

@inline(__always)
func system_connect(_ fd: CInt, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> CInt {
    if mockedFailure("connect") { return -1 }
    return connect(fd, addr, len)
}

@inline(__always)
func system_listen(_ fd: CInt, _ backlog: CInt) -> CInt {
    if mockedFailure("listen") { return -1 }
    return listen(fd, backlog)
}

@inline(__always)
func system_accept(
    _ fd: CInt, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: UnsafeMutablePointer<socklen_t>?
) -> CInt {
    if mockedFailure("accept") { return -1 }
    #if os(Linux)
    return cnk_accept4(fd, addr, len, CNK_SOCK_CLOEXEC)
    #else
    return accept(fd, addr, len)
    #endif
}

@inline(__always)
func system_send(_ fd: CInt, _ buf: UnsafeRawPointer?, _ len: Int, _ flags: CInt) -> Int {
    if mockedFailure("send") { return -1 }
    return send(fd, buf, len, flags)
}

@inline(__always)
func system_sendto(
    _ fd: CInt, _ buf: UnsafeRawPointer?, _ len: Int, _ flags: CInt,
    _ addr: UnsafePointer<sockaddr>?, _ addrLen: socklen_t
) -> Int {
    if mockedFailure("sendto") { return -1 }
    return sendto(fd, buf, len, flags, addr, addrLen)
}

@inline(__always)
func system_sendmsg(_ fd: CInt, _ msg: UnsafePointer<msghdr>, _ flags: CInt) -> Int {
    if mockedFailure("sendmsg") { return -1 }
    return sendmsg(fd, msg, flags)
}

@inline(__always)
func system_recv(_ fd: CInt, _ buf: UnsafeMutableRawPointer?, _ len: Int, _ flags: CInt) -> Int {
    if mockedFailure("recv") { return -1 }
    return recv(fd, buf, len, flags)
}

@inline(__always)
func system_recvfrom(
    _ fd: CInt, _ buf: UnsafeMutableRawPointer?, _ len: Int, _ flags: CInt,
    _ addr: UnsafeMutablePointer<sockaddr>?, _ addrLen: UnsafeMutablePointer<socklen_t>?
) -> Int {
    if mockedFailure("recvfrom") { return -1 }
    return recvfrom(fd, buf, len, flags, addr, addrLen)
}

@inline(__always)
func system_recvmsg(_ fd: CInt, _ msg: UnsafeMutablePointer<msghdr>, _ flags: CInt) -> Int {
    if mockedFailure("recvmsg") { return -1 }
    return recvmsg(fd, msg, flags)
}

#if os(Linux)
@inline(__always)
func system_sendmmsg(_ fd: CInt, _ msgs: UnsafeMutablePointer<cnk_mmsghdr>, _ count: CUnsignedInt, _ flags: CInt)
    -> CInt
{
    if mockedFailure("sendmmsg") { return -1 }
    return cnk_sendmmsg(fd, msgs, count, flags)
}

@inline(__always)
func system_recvmmsg(
    _ fd: CInt, _ msgs: UnsafeMutablePointer<cnk_mmsghdr>, _ count: CUnsignedInt, _ flags: CInt,
    _ timeout: UnsafeMutablePointer<timespec>?
) -> CInt {
    if mockedFailure("recvmmsg") { return -1 }
    return cnk_recvmmsg(fd, msgs, count, flags, timeout)
}

@inline(__always)
func system_epoll_create1(_ flags: CInt) -> CInt {
    if mockedFailure("epoll_create1") { return -1 }
    return epoll_create1(flags)
}

@inline(__always)
func system_epoll_ctl(_ epfd: CInt, _ op: CInt, _ fd: CInt, _ event: UnsafeMutablePointer<epoll_event>?) -> CInt {
    if mockedFailure("epoll_ctl") { return -1 }
    return epoll_ctl(epfd, op, fd, event)
}

@inline(__always)
func system_epoll_wait(_ epfd: CInt, _ events: UnsafeMutablePointer<epoll_event>, _ max: CInt, _ timeout: CInt) -> CInt
{
    if mockedFailure("epoll_wait") { return -1 }
    return epoll_wait(epfd, events, max, timeout)
}
#endif

@inline(__always)
func system_shutdown(_ fd: CInt, _ how: CInt) -> CInt {
    if mockedFailure("shutdown") { return -1 }
    return shutdown(fd, how)
}

@inline(__always)
func system_close(_ fd: CInt) -> CInt {
    if mockedFailure("close") { return -1 }
    return close(fd)
}

@inline(__always)
func system_getsockname(_ fd: CInt, _ addr: UnsafeMutablePointer<sockaddr>, _ len: UnsafeMutablePointer<socklen_t>)
    -> CInt
{
    if mockedFailure("getsockname") { return -1 }
    return getsockname(fd, addr, len)
}

@inline(__always)
func system_getpeername(_ fd: CInt, _ addr: UnsafeMutablePointer<sockaddr>, _ len: UnsafeMutablePointer<socklen_t>)
    -> CInt
{
    if mockedFailure("getpeername") { return -1 }
    return getpeername(fd, addr, len)
}

@inline(__always)
func system_getsockopt(
    _ fd: CInt, _ level: CInt, _ name: CInt, _ value: UnsafeMutableRawPointer, _ len: UnsafeMutablePointer<socklen_t>
) -> CInt {
    if mockedFailure("getsockopt") { return -1 }
    return getsockopt(fd, level, name, value, len)
}

@inline(__always)
func system_setsockopt(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: UnsafeRawPointer, _ len: socklen_t) -> CInt {
    if mockedFailure("setsockopt") { return -1 }
    return setsockopt(fd, level, name, value, len)
}

@inline(__always)
func system_fcntl(_ fd: CInt, _ cmd: CInt, _ arg: CInt) -> CInt {
    if mockedFailure("fcntl") { return -1 }
    return cnk_fcntl(fd, cmd, arg)
}

@inline(__always)
func system_poll(_ fds: UnsafeMutablePointer<pollfd>?, _ count: nfds_t, _ timeout: CInt) -> CInt {
    if mockedFailure("poll") { return -1 }
    return poll(fds, count, timeout)
}

// The resolver calls report failure as an `EAI_*` code rather than `-1`. A mocked
// failure turns into `EAI_SYSTEM` with the forced `errno`, exactly as a real
// system error inside the resolver would.

@inline(__always)
func system_getaddrinfo(
    _ node: UnsafePointer<CChar>?, _ service: UnsafePointer<CChar>?,
    _ hints: UnsafePointer<addrinfo>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> CInt {
    if mockedFailure("getaddrinfo") { return EAI_SYSTEM }
    return getaddrinfo(node, service, hints, result)
}

/// Frees a list from `getaddrinfo`. The mocking seam only records the call (so tests
/// can check every list is freed exactly once); it cannot fail.
@inline(__always)
func system_freeaddrinfo(_ list: UnsafeMutablePointer<addrinfo>) {
    _ = mockedFailure("freeaddrinfo")
    freeaddrinfo(list)
}

@inline(__always)
func system_getnameinfo(
    _ addr: UnsafePointer<sockaddr>, _ len: socklen_t, _ host: UnsafeMutablePointer<CChar>?, _ hostLen: socklen_t,
    _ serv: UnsafeMutablePointer<CChar>?, _ servLen: socklen_t, _ flags: CInt
) -> CInt {
    if mockedFailure("getnameinfo") { return EAI_SYSTEM }
    return getnameinfo(addr, len, host, hostLen, serv, servLen, flags)
}

// The services and protocols databases. glibc's reentrant `_r` forms return an
// error number (`ERANGE`: buffer too small) instead of setting `errno`; a mocked
// failure returns the forced error number the same way. Darwin has no `_r`
// forms; its classic calls keep their result in thread-specific storage, so the
// wrappers copy the entry out at once and present the same interface.

@inline(__always)
func system_getservbyname_r(
    _ name: UnsafePointer<CChar>, _ proto: UnsafePointer<CChar>?, _ resultBuffer: UnsafeMutablePointer<servent>,
    _ buffer: UnsafeMutablePointer<CChar>, _ bufferLength: Int,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<servent>?>
) -> CInt {
    result.pointee = nil
    if mockedFailure("getservbyname_r") { return cnk_errno() }
    #if os(Linux)
    return getservbyname_r(name, proto, resultBuffer, buffer, bufferLength, result)
    #else
    guard let entry = getservbyname(name, proto) else { return 0 }
    resultBuffer.pointee = entry.pointee
    result.pointee = resultBuffer
    return 0
    #endif
}

@inline(__always)
func system_getservbyport_r(
    _ port: CInt, _ proto: UnsafePointer<CChar>?, _ resultBuffer: UnsafeMutablePointer<servent>,
    _ buffer: UnsafeMutablePointer<CChar>, _ bufferLength: Int,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<servent>?>
) -> CInt {
    result.pointee = nil
    if mockedFailure("getservbyport_r") { return cnk_errno() }
    #if os(Linux)
    return getservbyport_r(port, proto, resultBuffer, buffer, bufferLength, result)
    #else
    guard let entry = getservbyport(port, proto) else { return 0 }
    resultBuffer.pointee = entry.pointee
    result.pointee = resultBuffer
    return 0
    #endif
}

@inline(__always)
func system_getprotobyname_r(
    _ name: UnsafePointer<CChar>, _ resultBuffer: UnsafeMutablePointer<protoent>,
    _ buffer: UnsafeMutablePointer<CChar>, _ bufferLength: Int,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<protoent>?>
) -> CInt {
    result.pointee = nil
    if mockedFailure("getprotobyname_r") { return cnk_errno() }
    #if os(Linux)
    return getprotobyname_r(name, resultBuffer, buffer, bufferLength, result)
    #else
    guard let entry = getprotobyname(name) else { return 0 }
    resultBuffer.pointee = entry.pointee
    result.pointee = resultBuffer
    return 0
    #endif
}

@inline(__always)
func system_getprotobynumber_r(
    _ number: CInt, _ resultBuffer: UnsafeMutablePointer<protoent>,
    _ buffer: UnsafeMutablePointer<CChar>, _ bufferLength: Int,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<protoent>?>
) -> CInt {
    result.pointee = nil
    if mockedFailure("getprotobynumber_r") { return cnk_errno() }
    #if os(Linux)
    return getprotobynumber_r(number, resultBuffer, buffer, bufferLength, result)
    #else
    guard let entry = getprotobynumber(number) else { return 0 }
    resultBuffer.pointee = entry.pointee
    result.pointee = resultBuffer
    return 0
    #endif
}

// A detached thread for blocking work (the async resolver). Returns 0 or an
// error number, like pthread_create; a mocked failure returns the forced one.
@inline(__always)
func system_pthread_create(
    _ start: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?, _ argument: UnsafeMutableRawPointer?
) -> CInt {
    if mockedFailure("pthread_create") { return cnk_errno() }
    return cnk_pthread_create_detached(start, argument)
}

// Network interface names. Failure is 0 (or NULL) with errno set.

@inline(__always)
func system_if_nametoindex(_ name: UnsafePointer<CChar>) -> CUnsignedInt {
    if mockedFailure("if_nametoindex") { return 0 }
    return if_nametoindex(name)
}

@inline(__always)
func system_if_indextoname(_ index: CUnsignedInt, _ name: UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar>? {
    if mockedFailure("if_indextoname") { return nil }
    return if_indextoname(index, name)
}

// Error text. `strerror_r` is the XSI form (0 on success, the message in the
// buffer): the shim header does not define _GNU_SOURCE. Neither is mocked: they cannot
// fail in a way a test needs to force.

@inline(__always)
func system_strerror_r(_ error: CInt, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> CInt {
    strerror_r(error, buffer, length)
}

@inline(__always)
func system_gai_strerror(_ code: CInt) -> UnsafePointer<CChar> {
    gai_strerror(code)
}

// Memory for DatagramBatch's slots: calloc so a failure is a value (Swift's
// allocate traps), and a test can force one.

@inline(__always)
func system_calloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
    if mockedFailure("calloc") { return nil }
    return calloc(count, size)
}

@inline(__always)
func system_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

// Unix-domain socket files: is this path a socket, and removing it.

@inline(__always)
func system_lstat_is_socket(_ path: UnsafePointer<CChar>) -> CInt {
    if mockedFailure("lstat") { return -1 }
    return cnk_lstat_is_socket(path)
}

@inline(__always)
func system_unlink(_ path: UnsafePointer<CChar>) -> CInt {
    if mockedFailure("unlink") { return -1 }
    return unlink(path)
}
