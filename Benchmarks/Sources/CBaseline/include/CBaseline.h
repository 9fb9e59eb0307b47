// The C baseline: the benchmark workloads written directly against the socket
// API, with the same system calls NetKit makes, plus small helpers the Swift
// harness shares (threads, CPU pinning, a monotonic clock).
#ifndef CBASELINE_H
#define CBASELINE_H

#include <stdint.h>
#include <stddef.h>

typedef struct {
    double seconds;       // the measured window
    uint64_t datagrams;   // round trips (W1) or datagrams received (W2)
    uint64_t bytes;       // payload bytes received
    uint64_t sent;        // datagrams sent (W2), for the loss figure
} cb_result;

// Modes, shared with the Swift harness.
enum {
    CB_MODE_SENDTO = 0,    // sendto / recvfrom
    CB_MODE_CONNECTED = 1, // send / recv
    CB_MODE_MMSG = 2,      // sendmmsg / recvmmsg
    CB_MODE_GSO = 3,       // sendmsg with UDP_SEGMENT / recvmsg with UDP_GRO
    CB_MODE_GSO_MMSG = 4,  // sendmmsg of CB_GSO_PER_CALL messages, each with UDP_SEGMENT / recvmsg with UDP_GRO
};

/// GSO super-datagrams per sendmmsg in CB_MODE_GSO_MMSG.
enum { CB_GSO_PER_CALL = 4 };

/// W1: one client, one echo server, `size`-byte datagrams, one in flight.
/// `pin_cpu` >= 0 pins both threads to that CPU. Stops after `seconds` or
/// `max_round_trips`, whichever first. Returns datagrams = -1 cast on failure (seconds < 0).
cb_result cb_pingpong(int mode, int size, double seconds, uint64_t max_round_trips, int pin_cpu);

/// W2: a sender sends as fast as it can for `seconds`; a receiver counts.
/// `batch` is the mmsg batch size; GSO sends `batch` segments per call.
cb_result cb_blast(int mode, int size, int batch, double seconds, uint64_t max_datagrams);

/// Address text: parses (inet_pton) or formats (inet_ntop) `iterations` times; returns seconds.
double cb_parse_ipv4(const char *text, uint64_t iterations);
double cb_format_ipv4(uint32_t address, uint64_t iterations);
double cb_parse_ipv6(const char *text, uint64_t iterations);
double cb_format_ipv6(const uint8_t *address16, uint64_t iterations);

/// Whether the running kernel takes UDP_SEGMENT and UDP_GRO.
int cb_gso_supported(void);

// Helpers for the Swift harness.
double cb_now(void);
int cb_pin_current_thread(int cpu);
int cb_thread_start(void (*body)(void *), void *argument, uint64_t *handle);
void cb_thread_join(uint64_t handle);
/// Raises a socket's receive buffer past rmem_max where allowed (SO_RCVBUFFORCE, root), else SO_RCVBUF.
void cb_big_receive_buffer(int fd, int bytes);
/// Sleeps (for draining a receiver after a run, never to synchronise).
void cb_sleep_ms(int milliseconds);
/// Gives up the CPU (sched_yield).
void cb_yield(void);
/// Keeps the optimiser from deleting a computed value.
void cb_consume(uint64_t value);

// The async section (A1-A4): epoll floor, blocking baselines, servers, load generator.
#include "CBaselineAsync.h"

#endif
