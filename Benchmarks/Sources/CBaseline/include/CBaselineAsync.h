// The async section's C side: the epoll floor and blocking baselines for
// ping-pong (A1 UDP, A2 TCP), the C echo servers for A3 (TCP) and A4 (UDP),
// the C epoll load generator those servers are measured with (run in its own
// process), and process helpers (spawn with pipes, read a line with a
// deadline, pin every thread, read RSS).
#ifndef CBASELINE_ASYNC_H
#define CBASELINE_ASYNC_H

#include <stdint.h>
#include <stddef.h>
#include "CBaseline.h"

/// A1/A2 floor: one thread, one level-triggered epoll set holding both ends
/// (non-blocking), one `size`-byte message in flight. UDP uses sendto/recvfrom,
/// TCP send/recv with TCP_NODELAY. Per round trip: 2 epoll_wait, 2 sends, 2 receives.
cb_result cb_async_pingpong_epoll(int tcp, int size, double seconds, uint64_t max_round_trips);

/// A1/A2 blocking: a client thread and an echo thread with blocking calls (UDP:
/// sendto/recvfrom, TCP: send/recv with TCP_NODELAY). Threads inherit the caller's CPU affinity.
cb_result cb_async_pingpong_blocking(int tcp, int size, double seconds, uint64_t max_round_trips);

/// TCP: a loopback listener on an ephemeral port with the given backlog; returns the
/// descriptor and stores the port. UDP: a bound loopback socket. -1 on failure.
int cb_listen_tcp(int backlog, int *port);
int cb_bind_udp(int *port);
/// Connects a TCP socket to 127.0.0.1:port (blocking), sets TCP_NODELAY. -1 on failure.
int cb_connect_tcp(int port);
/// Sets TCP_NODELAY on a TCP socket.
void cb_set_nodelay(int fd);

/// Counts messages echoed by a server (every stack calls it once per message).
void cb_echo_count(uint64_t n);
uint64_t cb_echoed(void);

/// A3/A4 C servers (never return; the process exits when told to).
/// epoll: one thread, level-triggered; TCP reads once per readiness and writes
/// back what it read; UDP drains with recvfrom/sendto until EAGAIN.
void cb_serve_tcp_epoll(int listen_fd);
void cb_serve_udp_epoll(int fd);
/// blocking: TCP one thread per connection (256 KiB stacks), UDP one recvfrom/sendto loop.
void cb_serve_tcp_threads(int listen_fd);
void cb_serve_udp_blocking(int fd);

/// The load generator (A3/A4), meant to run in its own process:
///   tcp|udp PORT CONNECTIONS SECONDS
/// Opens CONNECTIONS TCP connections (or UDP sockets connected to the server),
/// keeps one 64-byte message in flight on each from one epoll loop, prints
/// "ready" once every connection has completed a round trip, measures SECONDS,
/// stops sending, prints
///   "result trips=T seconds=S min=A p10=B p50=C p90=D max=E lost=L"
/// (round trips in the window, percentiles of the per-connection round trips, UDP resends), then waits
/// for EOF on stdin before it closes its sockets. Returns the exit status.
int cb_load_main(int argc, char **argv);

/// Starts `argv` (argv[0] is the path) with pipes on its stdin and stdout; 0 or errno.
int cb_spawn(char *const argv[], int *pid, int *stdin_fd, int *stdout_fd);
/// Reads one line (without the newline) into `buffer`, waiting at most `timeout_ms`
/// in total. Returns its length, -1 on timeout, EOF or error. `carry`/`carry_len`
/// keep bytes read past the line (give the same ones to every call on one fd).
int cb_read_line(int fd, char *buffer, int size, int timeout_ms, char *carry, int *carry_len);
/// Writes a whole string to fd; 0 or -1.
int cb_write_text(int fd, const char *text);
/// Waits up to `timeout_ms` for the child to exit, then SIGKILLs and reaps it. Returns its status or -1.
int cb_reap(int pid, int timeout_ms);
void cb_close(int fd);

/// The server process's control thread: reads lines from stdin; "mark" opens the
/// measuring window (allocations via `allocations`, messages via cb_echoed), "stop"
/// prints "stats echoed=E allocs=A rss=KIB idle=KIB cpu_us=U" (idle: VmRSS at cb_announce_port;
/// cpu_us: the process's user + system CPU time in the window) and exits the process; EOF exits too.
int cb_server_control_start(uint64_t (*allocations)(void));
/// Prints "port N" on stdout and flushes.
void cb_announce_port(int port);

/// Pins every thread of this process to `cpu` (cpu >= 0), or lets every thread run
/// on every CPU (cpu < 0). Threads started afterwards inherit their creator's mask.
int cb_pin_process(int cpu);
/// Resident set size of this process (VmRSS) in KiB, or -1.
long cb_rss_kib(void);

#endif
