// The few libc entry points glibc hides behind _GNU_SOURCE.
#ifdef __linux__
#define _GNU_SOURCE 1
#include <stddef.h>
#include <sys/socket.h>
#include "CNetKitShims.h"

_Static_assert(sizeof(struct cnk_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct cnk_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int cnk_recvmmsg(int fd, struct cnk_mmsghdr *msgs, unsigned int count, int flags, struct timespec *timeout) {
    return recvmmsg(fd, (struct mmsghdr *)msgs, count, flags, timeout);
}

int cnk_sendmmsg(int fd, struct cnk_mmsghdr *msgs, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)msgs, count, flags);
}

int cnk_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
#endif
