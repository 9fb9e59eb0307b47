import CNetKitShims

// The file calls behind `StreamConnection.sendFile`: one `system_<cname>` wrapper
// per libc call, in C parameter order, with the mocking seam (debug builds only).

#if os(Linux)
/// `sendfile(2)` without `SIGPIPE`. `sendfile` takes no `MSG_NOSIGNAL`, so a peer
/// that has gone would raise `SIGPIPE` and kill the process. This blocks `SIGPIPE`
/// on the calling thread for the call and, when the call raised it,
/// takes the signal it raised off the pending set before restoring the
/// mask (unless `SIGPIPE` was blocked or pending already: then it is not ours).
/// `errno` is the call's own on return.
func system_sendfile(_ outFD: CInt, _ inFD: CInt, _ offset: UnsafeMutablePointer<off_t>?, _ count: Int) -> Int {
    if mockedFailure("sendfile") { return -1 }
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
    var pendingBefore = sigset_t()
    sigpending(&pendingBefore)
    let ours = sigismember(&previous, SIGPIPE) == 0 && sigismember(&pendingBefore, SIGPIPE) == 0

    let result = sendfile(outFD, inFD, offset, count)
    let error = cnk_errno()

    // Linux raises it on EPIPE, and also when it hits EPIPE after part of the data
    // went (the call then returns that part): so look, whatever the result.
    var pendingAfter = sigset_t()
    if ours && sigpending(&pendingAfter) == 0 && sigismember(&pendingAfter, SIGPIPE) == 1 {
        var noWait = timespec()
        while sigtimedwait(&pipeSignal, nil, &noWait) == -1 && cnk_errno() == EINTR {}
    }
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    cnk_set_errno(error)
    return result
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
