// CNetKitShims: the system headers NetKit needs, behind one module, and the few
// C macros Swift cannot import (errno, CMSG_*). Internal to NetKit; not API.
#ifndef CNETKIT_SHIMS_H
#define CNETKIT_SHIMS_H

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/errqueue.h>
#include <sys/sendfile.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

#ifdef __linux__
// glibc declares mmsghdr, recvmmsg, sendmmsg and accept4 only under _GNU_SOURCE,
// which must not leak into this header (it would change struct layouts that
// Swift's Glibc module also sees). So: our own identical struct, and wrappers
// compiled in shims.c with _GNU_SOURCE.
struct cnk_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
int cnk_recvmmsg(int fd, struct cnk_mmsghdr *msgs, unsigned int count, int flags, struct timespec *timeout);
int cnk_sendmmsg(int fd, struct cnk_mmsghdr *msgs, unsigned int count, int flags);
int cnk_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
#else
// Elsewhere the same layout serves DatagramBatch's portable recvmsg/sendmsg loop.
struct cnk_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
#endif

// Starts a detached thread (no join needed); returns 0 or an error number. Hides
// the platform difference in pthread_t (an integer on Linux, a pointer on Darwin).
static inline int cnk_pthread_create_detached(void *(*start)(void *), void *argument) {
    pthread_attr_t attributes;
    int error = pthread_attr_init(&attributes);
    if (error != 0) return error;
    error = pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    if (error == 0) error = pthread_create(&thread, &attributes, start, argument);
    pthread_attr_destroy(&attributes);
    return error;
}

static inline int cnk_fcntl(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }
static inline int cnk_errno(void) { return errno; }
// 1 when `path` names a socket file (not following a final symlink), 0 for any
// other file, -1 with errno set when it cannot be examined.
static inline int cnk_lstat_is_socket(const char *path) {
    struct stat info;
    if (lstat(path, &info) != 0) return -1;
    return S_ISSOCK(info.st_mode) ? 1 : 0;
}
static inline void cnk_set_errno(int value) { errno = value; }

// Normalised constants: Glibc imports some of these as enums, Darwin as macros.
static const int CNK_SOCK_STREAM = SOCK_STREAM;
static const int CNK_SOCK_DGRAM = SOCK_DGRAM;
static const int CNK_SOCK_RAW = SOCK_RAW;
static const int CNK_SOCK_SEQPACKET = SOCK_SEQPACKET;
#ifdef SOCK_CLOEXEC
static const int CNK_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int CNK_SOCK_NONBLOCK = SOCK_NONBLOCK;
#else
static const int CNK_SOCK_CLOEXEC = 0;
static const int CNK_SOCK_NONBLOCK = 0;
#endif
#ifdef MSG_NOSIGNAL
static const int CNK_MSG_NOSIGNAL = MSG_NOSIGNAL;
#else
static const int CNK_MSG_NOSIGNAL = 0;
#endif
static const int CNK_IPPROTO_TCP = IPPROTO_TCP;
static const int CNK_IPPROTO_UDP = IPPROTO_UDP;
static const int CNK_IPPROTO_IP = IPPROTO_IP;
static const int CNK_IPPROTO_IPV6 = IPPROTO_IPV6;
static const int CNK_SHUT_RD = SHUT_RD;
static const int CNK_SHUT_WR = SHUT_WR;
static const int CNK_SHUT_RDWR = SHUT_RDWR;

#ifdef __linux__
// Datagram control messages and offload (Linux). SO_TIMESTAMPNS is a macro
// Swift cannot import on every glibc; UDP_SEGMENT/UDP_GRO predate some headers.
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
static const int CNK_UDP_SEGMENT = UDP_SEGMENT;
static const int CNK_UDP_GRO = UDP_GRO;
static const int CNK_SO_TIMESTAMPNS = SO_TIMESTAMPNS;
static const int CNK_SCM_TIMESTAMPNS = SCM_TIMESTAMPNS;
static const int CNK_SO_RXQ_OVFL = SO_RXQ_OVFL;
static const int CNK_MSG_ERRQUEUE = MSG_ERRQUEUE;
#endif

// Control-message arithmetic (the CMSG_* macros), done once in C.
static inline size_t cnk_cmsg_space(size_t length) { return CMSG_SPACE(length); }
static inline size_t cnk_cmsg_len(size_t length) { return CMSG_LEN(length); }
static inline struct cmsghdr *cnk_cmsg_firsthdr(struct msghdr *msg) { return CMSG_FIRSTHDR(msg); }
static inline struct cmsghdr *cnk_cmsg_nxthdr(struct msghdr *msg, struct cmsghdr *cmsg) { return CMSG_NXTHDR(msg, cmsg); }
static inline unsigned char *cnk_cmsg_data(struct cmsghdr *cmsg) { return CMSG_DATA(cmsg); }

#endif
