#define _GNU_SOURCE 1
#include "CBaselineAsync.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { message_size = 64 };

// MARK: - sockets

static void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void cb_set_nodelay(int fd) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons((uint16_t)port);
    return address;
}

static int bound(int type, int *port) {
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(address.sin_port);
    return fd;
}

int cb_listen_tcp(int backlog, int *port) {
    int fd = bound(SOCK_STREAM, port);
    if (fd >= 0 && listen(fd, backlog) != 0) { close(fd); return -1; }
    return fd;
}

int cb_bind_udp(int *port) { return bound(SOCK_DGRAM, port); }

int cb_connect_tcp(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in address = loopback(port);
    int result;
    do { result = connect(fd, (struct sockaddr *)&address, sizeof address); } while (result != 0 && errno == EINTR);
    if (result != 0) { close(fd); return -1; }
    cb_set_nodelay(fd);
    return fd;
}

static void receive_timeout(int fd, double seconds) {
    struct timeval t = { (time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
}

/// Two connected ends: TCP through a listener, UDP two bound sockets. `peer` gets the server's address (UDP).
static int make_pair(int tcp, int *client, int *server, struct sockaddr_in *server_address) {
    int port;
    if (tcp) {
        int listener = cb_listen_tcp(4, &port);
        if (listener < 0) return -1;
        *client = cb_connect_tcp(port);
        *server = *client >= 0 ? accept4(listener, NULL, NULL, SOCK_CLOEXEC) : -1;
        close(listener);
        if (*server < 0) { if (*client >= 0) close(*client); return -1; }
        cb_set_nodelay(*server);
    } else {
        int client_port;
        *server = cb_bind_udp(&port);
        *client = cb_bind_udp(&client_port);
        if (*server < 0 || *client < 0) {
            if (*server >= 0) close(*server);
            if (*client >= 0) close(*client);
            return -1;
        }
    }
    *server_address = loopback(port);
    return 0;
}

// MARK: - A1/A2 ping-pong, one epoll loop holding both ends

cb_result cb_async_pingpong_epoll(int tcp, int size, double seconds, uint64_t max_round_trips) {
    cb_result result = { -1, 0, 0, 0 };
    int client, server;
    struct sockaddr_in server_address;
    if (make_pair(tcp, &client, &server, &server_address) != 0) return result;
    set_nonblocking(client);
    set_nonblocking(server);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = 0 };
    epoll_ctl(ep, EPOLL_CTL_ADD, server, &event);
    event.data.u32 = 1;
    epoll_ctl(ep, EPOLL_CTL_ADD, client, &event);

    char out[2048], in[2048], echo[2048];
    memset(out, 'p', sizeof out);
    uint64_t trips = 0;
    int got = 0, running = 1;
    double start = cb_now(), deadline = start + seconds, now = start;
#define SEND_PING() (tcp ? send(client, out, (size_t)size, MSG_NOSIGNAL) \
                         : sendto(client, out, (size_t)size, MSG_NOSIGNAL, (struct sockaddr *)&server_address, sizeof server_address))
    if (SEND_PING() != size) running = 0;
    while (running && trips < max_round_trips) {
        struct epoll_event events[2];
        int n = epoll_wait(ep, events, 2, 2000);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (int i = 0; i < n && running; i++) {
            if (events[i].data.u32 == 0) {
                if (tcp) {
                    ssize_t r = recv(server, echo, sizeof echo, 0);
                    if (r > 0) send(server, echo, (size_t)r, MSG_NOSIGNAL);
                    else if (r == 0 || errno != EAGAIN) running = 0;
                } else {
                    struct sockaddr_storage from;
                    socklen_t length = sizeof from;
                    ssize_t r = recvfrom(server, echo, sizeof echo, 0, (struct sockaddr *)&from, &length);
                    if (r > 0) sendto(server, echo, (size_t)r, MSG_NOSIGNAL, (struct sockaddr *)&from, length);
                }
            } else {
                ssize_t r;
                if (tcp) {
                    r = recv(client, in, sizeof in, 0);
                } else {
                    struct sockaddr_storage from;
                    socklen_t length = sizeof from;
                    r = recvfrom(client, in, sizeof in, 0, (struct sockaddr *)&from, &length);
                }
                if (r <= 0) { if (r == 0 || errno != EAGAIN) running = 0; continue; }
                got += (int)r;
                if (got < size) continue;
                got -= size;
                trips++;
                if ((trips & 63) == 0 && (now = cb_now()) >= deadline) { running = 0; break; }
                if (trips >= max_round_trips) break;
                if (SEND_PING() != size) running = 0;
            }
        }
    }
#undef SEND_PING
    now = cb_now();
    close(ep);
    close(client);
    close(server);
    result.seconds = now - start;
    result.datagrams = trips;
    result.bytes = trips * (uint64_t)size;
    result.sent = trips;
    return result;
}

// MARK: - A1/A2 ping-pong, blocking threads

typedef struct {
    int client, server, tcp, size;
    double seconds;
    uint64_t max;
    struct sockaddr_in server_address;
    cb_result result;
} blocking_pair;

static void *blocking_echo(void *raw) {
    blocking_pair *pair = raw;
    char buffer[2048];
    for (;;) {
        ssize_t n = recv(pair->server, buffer, sizeof buffer, 0);
        if (n <= 0) break;   // EOF, an error or the timeout
        if (send(pair->server, buffer, (size_t)n, MSG_NOSIGNAL) != n) break;
    }
    return NULL;
}

static void *blocking_client(void *raw) {
    blocking_pair *pair = raw;
    char out[2048], in[2048];
    memset(out, 'p', sizeof out);
    uint64_t trips = 0;
    double start = cb_now(), deadline = start + pair->seconds, now = start;
    while (trips < pair->max) {
        if (send(pair->client, out, (size_t)pair->size, MSG_NOSIGNAL) != pair->size) break;
        int got = 0;
        while (got < pair->size) {
            ssize_t n = recv(pair->client, in, sizeof in, 0);
            if (n <= 0) break;
            got += (int)n;
        }
        if (got != pair->size) break;
        trips++;
        if ((trips & 63) == 0 && (now = cb_now()) >= deadline) break;
    }
    now = cb_now();
    shutdown(pair->client, SHUT_WR);
    pair->result.seconds = now - start;
    pair->result.datagrams = trips;
    pair->result.bytes = trips * (uint64_t)pair->size;
    pair->result.sent = trips;
    return NULL;
}

cb_result cb_async_pingpong_blocking(int tcp, int size, double seconds, uint64_t max_round_trips) {
    if (!tcp) return cb_pingpong(CB_MODE_SENDTO, size, seconds, max_round_trips, -1);
    cb_result failed = { -1, 0, 0, 0 };
    blocking_pair pair = { .tcp = tcp, .size = size, .seconds = seconds, .max = max_round_trips };
    if (make_pair(tcp, &pair.client, &pair.server, &pair.server_address) != 0) return failed;
    receive_timeout(pair.server, seconds + 2);
    receive_timeout(pair.client, 2);
    pthread_t s, c;
    pthread_create(&s, NULL, blocking_echo, &pair);
    pthread_create(&c, NULL, blocking_client, &pair);
    pthread_join(c, NULL);
    pthread_join(s, NULL);
    close(pair.client);
    close(pair.server);
    return pair.result;
}

// MARK: - A3/A4 C servers

static _Atomic uint64_t echoed;
void cb_echo_count(uint64_t n) { atomic_fetch_add_explicit(&echoed, n, memory_order_relaxed); }
uint64_t cb_echoed(void) { return atomic_load_explicit(&echoed, memory_order_relaxed); }

void cb_serve_tcp_epoll(int listen_fd) {
    set_nonblocking(listen_fd);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = { .events = EPOLLIN, .data.fd = listen_fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &event);
    char buffer[4096];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0) { if (errno == EINTR) continue; return; }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listen_fd) {
                for (;;) {
                    int connection = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                    if (connection < 0) break;
                    cb_set_nodelay(connection);
                    struct epoll_event add = { .events = EPOLLIN, .data.fd = connection };
                    epoll_ctl(ep, EPOLL_CTL_ADD, connection, &add);
                }
                continue;
            }
            ssize_t r = recv(fd, buffer, sizeof buffer, 0);
            if (r > 0) {
                send(fd, buffer, (size_t)r, MSG_NOSIGNAL);
                atomic_fetch_add_explicit(&echoed, 1, memory_order_relaxed);
            } else if (r == 0 || errno != EAGAIN) {
                close(fd);
            }
        }
    }
}

void cb_serve_udp_epoll(int fd) {
    set_nonblocking(fd);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
    char buffer[2048];
    for (;;) {
        struct epoll_event events[1];
        int n = epoll_wait(ep, events, 1, -1);
        if (n < 0) { if (errno == EINTR) continue; return; }
        for (;;) {
            struct sockaddr_storage from;
            socklen_t length = sizeof from;
            ssize_t r = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
            if (r < 0) break;
            sendto(fd, buffer, (size_t)r, MSG_NOSIGNAL, (struct sockaddr *)&from, length);
            atomic_fetch_add_explicit(&echoed, 1, memory_order_relaxed);
        }
    }
}

static void *connection_thread(void *raw) {
    int fd = (int)(intptr_t)raw;
    char buffer[4096];
    for (;;) {
        ssize_t r = recv(fd, buffer, sizeof buffer, 0);
        if (r <= 0) break;
        if (send(fd, buffer, (size_t)r, MSG_NOSIGNAL) != r) break;
        atomic_fetch_add_explicit(&echoed, 1, memory_order_relaxed);
    }
    close(fd);
    return NULL;
}

void cb_serve_tcp_threads(int listen_fd) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    // Small stacks (1,000 threads); large enough for the static TLS of the Swift runtime and Foundation.
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int connection = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; return; }
        cb_set_nodelay(connection);
        pthread_t thread;
        if (pthread_create(&thread, &attributes, connection_thread, (void *)(intptr_t)connection) != 0) close(connection);
    }
}

void cb_serve_udp_blocking(int fd) {
    char buffer[2048];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t length = sizeof from;
        ssize_t r = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
        if (r < 0) { if (errno == EINTR) continue; return; }
        sendto(fd, buffer, (size_t)r, MSG_NOSIGNAL, (struct sockaddr *)&from, length);
        atomic_fetch_add_explicit(&echoed, 1, memory_order_relaxed);
    }
}

// MARK: - the server process's control thread

static uint64_t (*control_allocations)(void);
static long idle_rss = -1;   // VmRSS when the server announced its port, before any connection

/// User + system CPU time of the whole process, µs.
static double process_cpu_us(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

static void *control_main(void *unused) {
    (void)unused;
    char line[64], carry[256];
    int carry_len = 0;
    uint64_t first_allocations = 0, first_echoed = 0;
    double first_cpu = 0;
    for (;;) {
        int n = cb_read_line(0, line, sizeof line, 600000, carry, &carry_len);
        if (n < 0) _exit(1);
        if (strcmp(line, "mark") == 0) {
            first_allocations = control_allocations();
            first_echoed = cb_echoed();
            first_cpu = process_cpu_us();
        } else if (strcmp(line, "stop") == 0) {
            uint64_t allocations = control_allocations() - first_allocations;
            uint64_t count = cb_echoed() - first_echoed;
            double cpu = process_cpu_us() - first_cpu;
            long rss = cb_rss_kib();
            printf("stats echoed=%llu allocs=%llu rss=%ld idle=%ld cpu_us=%.0f\n", (unsigned long long)count,
                   (unsigned long long)allocations, rss, idle_rss, cpu);
            fflush(stdout);
            _exit(0);
        }
    }
    return NULL;
}

int cb_server_control_start(uint64_t (*allocations)(void)) {
    control_allocations = allocations;
    pthread_t thread;
    int error = pthread_create(&thread, NULL, control_main, NULL);
    if (error == 0) pthread_detach(thread);
    return error;
}

void cb_announce_port(int port) {
    idle_rss = cb_rss_kib();
    printf("port %d\n", port);
    fflush(stdout);
}

// MARK: - the load generator

typedef struct {
    int fd;
    int got;
    int in_flight;
    double sent_at;
    uint64_t trips;
    uint64_t first;   // trips when the window opened
} load_connection;

static int load_send(load_connection *c, const char *payload, double now) {
    ssize_t r = send(c->fd, payload, message_size, MSG_NOSIGNAL);
    if (r != message_size) return -1;   // 64 bytes into an empty socket buffer: never short
    c->in_flight = 1;
    c->sent_at = now;
    return 0;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int cb_load_main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: load tcp|udp PORT CONNECTIONS SECONDS\n");
        return 64;
    }
    int tcp = strcmp(argv[1], "tcp") == 0;
    int port = atoi(argv[2]);
    int count = atoi(argv[3]);
    double seconds = atof(argv[4]);
    if (port <= 0 || count <= 0 || count > 10000 || !(seconds > 0 && seconds <= 60)) {
        fprintf(stderr, "load: bad arguments\n");
        return 64;
    }
    alarm((unsigned)(seconds + 90));   // never outlives a stuck harness
    load_connection *connections = calloc((size_t)count, sizeof *connections);
    if (!connections) return 70;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct sockaddr_in server = loopback(port);
    for (int i = 0; i < count; i++) {
        int fd;
        if (tcp) {
            fd = cb_connect_tcp(port);
        } else {
            fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd >= 0 && connect(fd, (struct sockaddr *)&server, sizeof server) != 0) { close(fd); fd = -1; }
        }
        if (fd < 0) {
            printf("error connect %d: %s\n", i, strerror(errno));
            fflush(stdout);
            return 2;
        }
        set_nonblocking(fd);
        connections[i].fd = fd;
        struct epoll_event event = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
    }
    char payload[message_size], buffer[4096];
    memset(payload, 'q', sizeof payload);
    double start = cb_now();
    for (int i = 0; i < count; i++) {
        if (load_send(&connections[i], payload, start) != 0) { printf("error send\n"); fflush(stdout); return 2; }
    }
    enum { warming, measuring, draining } phase = warming;
    double warm = seconds * 0.2 < 0.3 ? seconds * 0.2 : 0.3;
    double window_start = 0, window_end = 0, last_check = start, drain_deadline = 0;
    uint64_t lost = 0;
    struct epoll_event events[512];
    for (;;) {
        int n = epoll_wait(ep, events, 512, 20);
        if (n < 0 && errno != EINTR) { printf("error epoll_wait: %s\n", strerror(errno)); fflush(stdout); return 2; }
        double now = cb_now();
        for (int e = 0; e < n; e++) {
            load_connection *c = &connections[events[e].data.u32];
            ssize_t r = recv(c->fd, buffer, sizeof buffer, 0);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) {
                printf("error connection %u: %s\n", events[e].data.u32, r == 0 ? "closed by the server" : strerror(errno));
                fflush(stdout);
                return 2;
            }
            c->got += (int)r;
            while (c->got >= message_size) {
                c->got -= message_size;
                c->trips++;
                c->in_flight = 0;
                if (phase != draining && load_send(c, payload, now) != 0) {
                    printf("error send: %s\n", strerror(errno));
                    fflush(stdout);
                    return 2;
                }
            }
        }
        if (now - last_check < 0.005 && phase != draining) continue;
        last_check = now;
        if (!tcp) {
            // A lost datagram would stall its peer: resend after 200 ms (counted).
            for (int i = 0; i < count; i++) {
                load_connection *c = &connections[i];
                if (c->in_flight && now - c->sent_at > 0.2) {
                    if (phase != draining) load_send(c, payload, now); else c->in_flight = 0;
                    lost++;
                }
            }
        }
        if (phase == warming) {
            int all = 1;
            for (int i = 0; i < count && all; i++) all = connections[i].trips > 0;
            if (all && now - start >= warm) {
                for (int i = 0; i < count; i++) connections[i].first = connections[i].trips;
                window_start = now;
                phase = measuring;
                printf("ready\n");
                fflush(stdout);
            } else if (now - start > 20) {
                printf("error warm-up: not every connection completed a round trip in 20 s\n");
                fflush(stdout);
                return 2;
            }
        } else if (phase == measuring) {
            if (now - window_start >= seconds) {
                window_end = now;
                for (int i = 0; i < count; i++) connections[i].first = connections[i].trips - connections[i].first;
                phase = draining;
                drain_deadline = now + 1;
            }
        } else {
            int idle = 1;
            for (int i = 0; i < count && idle; i++) idle = !connections[i].in_flight;
            if (idle || now > drain_deadline) break;
        }
    }
    uint64_t total = 0;
    uint64_t *sorted = calloc((size_t)count, sizeof *sorted);
    if (!sorted) return 70;
    for (int i = 0; i < count; i++) {
        sorted[i] = connections[i].first;
        total += sorted[i];
    }
    qsort(sorted, (size_t)count, sizeof *sorted, compare_u64);
    printf("result trips=%llu seconds=%.6f min=%llu p10=%llu p50=%llu p90=%llu max=%llu lost=%llu\n",
           (unsigned long long)total, window_end - window_start, (unsigned long long)sorted[0],
           (unsigned long long)sorted[count / 10], (unsigned long long)sorted[count / 2],
           (unsigned long long)sorted[count - 1 - count / 10], (unsigned long long)sorted[count - 1],
           (unsigned long long)lost);
    fflush(stdout);
    // Keep the connections open until the harness has read the server's figures.
    char ignored[64];
    while (read(0, ignored, sizeof ignored) > 0) {}
    return 0;
}

// MARK: - processes

int cb_spawn(char *const argv[], int *pid, int *stdin_fd, int *stdout_fd) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return errno;
    if (pipe2(out, O_CLOEXEC) != 0) { int e = errno; close(in[0]); close(in[1]); return e; }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    pid_t child;
    int error = posix_spawn(&child, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (error != 0) { close(in[1]); close(out[0]); return error; }
    *pid = child;
    *stdin_fd = in[1];
    *stdout_fd = out[0];
    return 0;
}

int cb_read_line(int fd, char *buffer, int size, int timeout_ms, char *carry, int *carry_len) {
    double deadline = cb_now() + timeout_ms / 1000.0;
    for (;;) {
        char *newline = memchr(carry, '\n', (size_t)*carry_len);
        if (newline) {
            int length = (int)(newline - carry);
            int copy = length < size - 1 ? length : size - 1;
            memcpy(buffer, carry, (size_t)copy);
            buffer[copy] = 0;
            *carry_len -= length + 1;
            memmove(carry, newline + 1, (size_t)*carry_len);
            return copy;
        }
        if (*carry_len >= 255) *carry_len = 0;   // a runaway line: drop it
        int left = (int)((deadline - cb_now()) * 1000);
        if (left <= 0) return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int ready = poll(&p, 1, left);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return -1;
        ssize_t n = read(fd, carry + *carry_len, (size_t)(255 - *carry_len));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        *carry_len += (int)n;
    }
}

int cb_write_text(int fd, const char *text) {
    size_t length = strlen(text), done = 0;
    while (done < length) {
        ssize_t n = write(fd, text + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

int cb_reap(int pid, int timeout_ms) {
    double deadline = cb_now() + timeout_ms / 1000.0;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0 && errno != EINTR) return -1;
        if (cb_now() > deadline) break;
        usleep(2000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return -1;
}

void cb_close(int fd) { close(fd); }

int cb_pin_process(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= 0) {
        CPU_SET(cpu, &set);
    } else {
        long cpus = sysconf(_SC_NPROCESSORS_CONF);
        for (long i = 0; i < cpus && i < CPU_SETSIZE; i++) CPU_SET((int)i, &set);
    }
    DIR *tasks = opendir("/proc/self/task");
    if (!tasks) return -1;
    int failures = 0;
    struct dirent *entry;
    while ((entry = readdir(tasks))) {
        if (entry->d_name[0] == '.') continue;
        pid_t tid = (pid_t)atoi(entry->d_name);
        if (sched_setaffinity(tid, sizeof set, &set) != 0) failures++;
    }
    closedir(tasks);
    return failures ? -1 : 0;
}

long cb_rss_kib(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return -1;
    char line[256];
    long rss = -1;
    while (fgets(line, sizeof line, status)) {
        if (strncmp(line, "VmRSS:", 6) == 0) { rss = atol(line + 6); break; }
    }
    fclose(status);
    return rss;
}
