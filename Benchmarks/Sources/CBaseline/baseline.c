#define _GNU_SOURCE 1
#include "CBaseline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

// MARK: - helpers

double cb_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int cb_pin_current_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

typedef struct { void (*body)(void *); void *argument; } thread_start;

static void *thread_main(void *raw) {
    thread_start start = *(thread_start *)raw;
    free(raw);
    start.body(start.argument);
    return NULL;
}

int cb_thread_start(void (*body)(void *), void *argument, uint64_t *handle) {
    thread_start *start = malloc(sizeof *start);
    if (!start) return ENOMEM;
    start->body = body;
    start->argument = argument;
    pthread_t thread;
    int error = pthread_create(&thread, NULL, thread_main, start);
    if (error) { free(start); return error; }
    *handle = (uint64_t)thread;
    return 0;
}

void cb_thread_join(uint64_t handle) { pthread_join((pthread_t)handle, NULL); }

void cb_big_receive_buffer(int fd, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

void cb_sleep_ms(int milliseconds) { usleep((useconds_t)milliseconds * 1000); }

void cb_yield(void) { sched_yield(); }

static volatile uint64_t sink;
void cb_consume(uint64_t value) { sink += value; }

static int bound_socket(struct sockaddr_in *address) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(address, 0, sizeof *address);
    address->sin_family = AF_INET;
    address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof *address;
    if (bind(fd, (struct sockaddr *)address, sizeof *address) != 0 ||
        getsockname(fd, (struct sockaddr *)address, &length) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void set_timeout(int fd, int option, double seconds) {
    struct timeval t = { (time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) };
    setsockopt(fd, SOL_SOCKET, option, &t, sizeof t);
}

// MARK: - W1 ping-pong

typedef struct {
    int fd, mode, pin_cpu;
    struct sockaddr_in peer;
} echo_args;

static void *echo_server(void *raw) {
    echo_args *args = raw;
    if (args->pin_cpu >= 0) cb_pin_current_thread(args->pin_cpu);
    char buffer[2048];
    if (args->mode == CB_MODE_CONNECTED) {
        connect(args->fd, (struct sockaddr *)&args->peer, sizeof args->peer);
        for (;;) {
            ssize_t n = recv(args->fd, buffer, sizeof buffer, 0);
            if (n <= 1) break;   // the 1-byte stop datagram, an error or a timeout
            send(args->fd, buffer, (size_t)n, MSG_NOSIGNAL);
        }
    } else {
        for (;;) {
            struct sockaddr_storage from;
            socklen_t length = sizeof from;
            ssize_t n = recvfrom(args->fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
            if (n <= 1) break;
            sendto(args->fd, buffer, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&from, length);
        }
    }
    return NULL;
}

typedef struct {
    int fd, mode, size, pin_cpu;
    double seconds;
    uint64_t max;
    struct sockaddr_in server;
    cb_result result;
} client_args;

static void *pingpong_client(void *raw) {
    client_args *args = raw;
    if (args->pin_cpu >= 0) cb_pin_current_thread(args->pin_cpu);
    char out[2048], in[2048];
    memset(out, 'p', sizeof out);
    int connected = args->mode == CB_MODE_CONNECTED;
    if (connected) connect(args->fd, (struct sockaddr *)&args->server, sizeof args->server);
    uint64_t trips = 0;
    double start = cb_now(), deadline = start + args->seconds, now = start;
    while (trips < args->max) {
        ssize_t n;
        if (connected) {
            if (send(args->fd, out, (size_t)args->size, MSG_NOSIGNAL) < 0) break;
            n = recv(args->fd, in, sizeof in, 0);
        } else {
            if (sendto(args->fd, out, (size_t)args->size, MSG_NOSIGNAL,
                       (struct sockaddr *)&args->server, sizeof args->server) < 0) break;
            struct sockaddr_storage from;
            socklen_t length = sizeof from;
            n = recvfrom(args->fd, in, sizeof in, 0, (struct sockaddr *)&from, &length);
        }
        if (n != args->size) break;
        trips++;
        if ((trips & 63) == 0 && (now = cb_now()) >= deadline) break;
    }
    now = cb_now();
    char stop = 's';
    sendto(args->fd, &stop, 1, MSG_NOSIGNAL, (struct sockaddr *)&args->server, sizeof args->server);
    args->result.seconds = now - start;
    args->result.datagrams = trips;
    args->result.bytes = trips * (uint64_t)args->size;
    args->result.sent = trips;
    return NULL;
}

cb_result cb_pingpong(int mode, int size, double seconds, uint64_t max_round_trips, int pin_cpu) {
    cb_result failed = { -1, 0, 0, 0 };
    echo_args server = { .mode = mode, .pin_cpu = pin_cpu };
    client_args client = { .mode = mode, .size = size, .pin_cpu = pin_cpu, .seconds = seconds, .max = max_round_trips };
    server.fd = bound_socket(&client.server);
    client.fd = bound_socket(&server.peer);
    if (server.fd < 0 || client.fd < 0) return failed;
    set_timeout(server.fd, SO_RCVTIMEO, seconds + 2);
    set_timeout(client.fd, SO_RCVTIMEO, 2);
    pthread_t s, c;
    pthread_create(&s, NULL, echo_server, &server);
    pthread_create(&c, NULL, pingpong_client, &client);
    pthread_join(c, NULL);
    pthread_join(s, NULL);
    close(server.fd);
    close(client.fd);
    return client.result;
}

// MARK: - W2 blast

typedef struct {
    int fd, mode, size, batch;
    double deadline;
    atomic_int done;
    uint64_t received, bytes;
} receiver_args;

static void *blast_receiver(void *raw) {
    receiver_args *args = raw;
    enum { max_batch = 64, slot = 2048, gro_slot = 65536 };
    uint64_t received = 0, bytes = 0;
    if (args->mode == CB_MODE_MMSG) {
        static __thread char buffers[max_batch][slot];
        struct mmsghdr messages[max_batch];
        struct iovec vectors[max_batch];
        struct sockaddr_storage addresses[max_batch];
        int batch = args->batch > max_batch ? max_batch : args->batch;
        for (int i = 0; i < batch; i++) {
            vectors[i] = (struct iovec){ buffers[i], slot };
            memset(&messages[i], 0, sizeof messages[i]);
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &addresses[i];
        }
        for (;;) {
            for (int i = 0; i < batch; i++) messages[i].msg_hdr.msg_namelen = sizeof addresses[i];
            int n = recvmmsg(args->fd, messages, (unsigned)batch, MSG_WAITFORONE, NULL);
            if (n <= 0) {
                if (atomic_load(&args->done) || cb_now() > args->deadline) break;
                continue;
            }
            for (int i = 0; i < n; i++) bytes += messages[i].msg_len;
            received += (uint64_t)n;
        }
    } else if (args->mode == CB_MODE_GSO || args->mode == CB_MODE_GSO_MMSG) {
        static __thread char buffer[gro_slot];
        char control[CMSG_SPACE(sizeof(int))];
        struct sockaddr_storage from;
        for (;;) {
            struct iovec vector = { buffer, sizeof buffer };
            struct msghdr message = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &vector,
                                      .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
            ssize_t n = recvmsg(args->fd, &message, 0);
            if (n <= 0) {
                if (atomic_load(&args->done) || cb_now() > args->deadline) break;
                continue;
            }
            int segment = (int)n;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
                if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) memcpy(&segment, CMSG_DATA(c), sizeof segment);
            received += ((uint64_t)n + (uint64_t)segment - 1) / (uint64_t)segment;
            bytes += (uint64_t)n;
        }
    } else {
        char buffer[slot];
        for (;;) {
            ssize_t n;
            if (args->mode == CB_MODE_CONNECTED) {
                n = recv(args->fd, buffer, sizeof buffer, 0);
            } else {
                struct sockaddr_storage from;
                socklen_t length = sizeof from;
                n = recvfrom(args->fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
            }
            if (n < 0) {
                if (atomic_load(&args->done) || cb_now() > args->deadline) break;
                continue;
            }
            received++;
            bytes += (uint64_t)n;
        }
    }
    args->received = received;
    args->bytes = bytes;
    return NULL;
}

cb_result cb_blast(int mode, int size, int batch, double seconds, uint64_t max_datagrams) {
    cb_result result = { -1, 0, 0, 0 };
    struct sockaddr_in receiver_address, sender_address;
    receiver_args receiver = { .mode = mode, .size = size, .batch = batch };
    receiver.fd = bound_socket(&receiver_address);
    int fd = bound_socket(&sender_address);
    if (receiver.fd < 0 || fd < 0) return result;
    cb_big_receive_buffer(receiver.fd, 4 << 20);
    set_timeout(receiver.fd, SO_RCVTIMEO, 0.05);
    if (mode == CB_MODE_GSO || mode == CB_MODE_GSO_MMSG) {
        int on = 1;
        if (setsockopt(receiver.fd, SOL_UDP, UDP_GRO, &on, sizeof on) != 0) { close(fd); close(receiver.fd); return result; }
    }
    if (mode == CB_MODE_CONNECTED) {
        connect(receiver.fd, (struct sockaddr *)&sender_address, sizeof sender_address);
        connect(fd, (struct sockaddr *)&receiver_address, sizeof receiver_address);
    }
    receiver.deadline = cb_now() + seconds + 5;
    atomic_init(&receiver.done, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, blast_receiver, &receiver);

    enum { max_batch = 64 };
    static char payload[65536];
    memset(payload, 'b', sizeof payload);
    struct mmsghdr messages[max_batch];
    struct iovec vectors[max_batch];
    if (mode == CB_MODE_MMSG) {
        for (int i = 0; i < batch && i < max_batch; i++) {
            vectors[i] = (struct iovec){ payload, (size_t)size };
            memset(&messages[i], 0, sizeof messages[i]);
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &receiver_address;
            messages[i].msg_hdr.msg_namelen = sizeof receiver_address;
        }
    }
    // GSO + sendmmsg: CB_GSO_PER_CALL messages, each a super-datagram with its own UDP_SEGMENT.
    struct mmsghdr gso_messages[CB_GSO_PER_CALL];
    struct iovec gso_vectors[CB_GSO_PER_CALL];
    static char gso_payload[CB_GSO_PER_CALL][65536];
    char gso_controls[CB_GSO_PER_CALL][CMSG_SPACE(sizeof(uint16_t))];
    if (mode == CB_MODE_GSO_MMSG) {
        memset(gso_controls, 0, sizeof gso_controls);
        for (int i = 0; i < CB_GSO_PER_CALL; i++) {
            memset(gso_payload[i], 'b', sizeof gso_payload[i]);
            gso_vectors[i] = (struct iovec){ gso_payload[i], (size_t)size * (size_t)batch };
            memset(&gso_messages[i], 0, sizeof gso_messages[i]);
            struct msghdr *m = &gso_messages[i].msg_hdr;
            m->msg_name = &receiver_address;
            m->msg_namelen = sizeof receiver_address;
            m->msg_iov = &gso_vectors[i];
            m->msg_iovlen = 1;
            m->msg_control = gso_controls[i];
            m->msg_controllen = sizeof gso_controls[i];
            struct cmsghdr *c = CMSG_FIRSTHDR(m);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t segment = (uint16_t)size;
            memcpy(CMSG_DATA(c), &segment, sizeof segment);
        }
    }
    uint64_t sent = 0, calls = 0;
    double start = cb_now(), deadline = start + seconds, now = start;
    while (sent < max_datagrams) {
        switch (mode) {
        case CB_MODE_SENDTO:
            if (sendto(fd, payload, (size_t)size, MSG_NOSIGNAL, (struct sockaddr *)&receiver_address, sizeof receiver_address) > 0) sent++;
            break;
        case CB_MODE_CONNECTED:
            if (send(fd, payload, (size_t)size, MSG_NOSIGNAL) > 0) sent++;
            break;
        case CB_MODE_MMSG: {
            int n = sendmmsg(fd, messages, (unsigned)(batch > max_batch ? max_batch : batch), MSG_NOSIGNAL);
            if (n > 0) sent += (uint64_t)n;
            break;
        }
        case CB_MODE_GSO: {
            char control[CMSG_SPACE(sizeof(uint16_t))];
            memset(control, 0, sizeof control);
            struct iovec vector = { payload, (size_t)size * (size_t)batch };
            struct msghdr message = { .msg_name = &receiver_address, .msg_namelen = sizeof receiver_address,
                                      .msg_iov = &vector, .msg_iovlen = 1,
                                      .msg_control = control, .msg_controllen = sizeof control };
            struct cmsghdr *c = CMSG_FIRSTHDR(&message);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t segment = (uint16_t)size;
            memcpy(CMSG_DATA(c), &segment, sizeof segment);
            if (sendmsg(fd, &message, MSG_NOSIGNAL) > 0) sent += (uint64_t)batch;
            break;
        }
        case CB_MODE_GSO_MMSG: {
            int n = sendmmsg(fd, gso_messages, CB_GSO_PER_CALL, MSG_NOSIGNAL);
            if (n > 0) sent += (uint64_t)n * (uint64_t)batch;
            break;
        }
        }
        if ((++calls & 15) == 0 && (now = cb_now()) >= deadline) break;
    }
    now = cb_now();
    atomic_store(&receiver.done, 1);
    pthread_join(thread, NULL);
    close(fd);
    close(receiver.fd);
    result.seconds = now - start;
    result.datagrams = receiver.received;
    result.bytes = receiver.bytes;
    result.sent = sent;
    return result;
}

int cb_gso_supported(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return 0;
    int value = 0;
    socklen_t length = sizeof value;
    int on = 1;
    int ok = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &value, &length) == 0 &&
             setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
    close(fd);
    return ok;
}

// MARK: - address text

double cb_parse_ipv4(const char *text, uint64_t iterations) {
    struct in_addr address;
    uint64_t total = 0;
    double start = cb_now();
    for (uint64_t i = 0; i < iterations; i++) {
        if (inet_pton(AF_INET, text, &address) == 1) total += address.s_addr;
    }
    double elapsed = cb_now() - start;
    cb_consume(total);
    return elapsed;
}

double cb_format_ipv4(uint32_t host_order, uint64_t iterations) {
    struct in_addr address = { htonl(host_order) };
    char text[INET_ADDRSTRLEN];
    uint64_t total = 0;
    double start = cb_now();
    for (uint64_t i = 0; i < iterations; i++) {
        address.s_addr ^= (uint32_t)(i & 1) << 24;   // vary the input a little
        if (inet_ntop(AF_INET, &address, text, sizeof text)) total += (uint64_t)text[0];
    }
    double elapsed = cb_now() - start;
    cb_consume(total);
    return elapsed;
}

double cb_parse_ipv6(const char *text, uint64_t iterations) {
    struct in6_addr address;
    uint64_t total = 0;
    double start = cb_now();
    for (uint64_t i = 0; i < iterations; i++) {
        if (inet_pton(AF_INET6, text, &address) == 1) total += address.s6_addr[15];
    }
    double elapsed = cb_now() - start;
    cb_consume(total);
    return elapsed;
}

double cb_format_ipv6(const uint8_t *address16, uint64_t iterations) {
    struct in6_addr address;
    memcpy(&address, address16, 16);
    char text[INET6_ADDRSTRLEN];
    uint64_t total = 0;
    double start = cb_now();
    for (uint64_t i = 0; i < iterations; i++) {
        address.s6_addr[15] ^= (uint8_t)(i & 1);
        if (inet_ntop(AF_INET6, &address, text, sizeof text)) total += (uint64_t)text[0];
    }
    double elapsed = cb_now() - start;
    cb_consume(total);
    return elapsed;
}
