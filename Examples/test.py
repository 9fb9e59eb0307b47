#!/usr/bin/env python3
"""End-to-end tests of NetKit's examples.

Builds the Examples package, starts every example as a real process and drives it
with peers NetKit did not write: Python's socket and asyncio modules, socat and nc
(where installed). Every step is bounded in time; the last line says
"N passed, N failed" and the exit status is non-zero when anything failed.

    python3 Examples/test.py                 # build (debug) and run everything
    python3 Examples/test.py chat file       # only the tests whose names contain a word
    EXAMPLES_CONFIGURATION=release python3 Examples/test.py
"""
import asyncio
import hashlib
import os
import queue
import random
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGURATION = os.environ.get("EXAMPLES_CONFIGURATION", "debug")
TEST_TIMEOUT = 120          # seconds per test, enforced with SIGALRM
BIN = ""
started = []                # every process we start, so none outlives the run
tests = []


def test(function):
    tests.append(function)
    return function


class TestTimeout(Exception):
    pass


def check(condition, message):
    if not condition:
        raise AssertionError(message)


# MARK: - Processes

class Program:
    """An example running as a child process, its output lines collected by threads."""

    def __init__(self, name, *args, stdin=subprocess.DEVNULL, wait_for_line=True, cwd=None):
        self.name = name
        self.process = subprocess.Popen([os.path.join(BIN, name), *map(str, args)], stdin=stdin,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        started.append(self.process)
        self.lines = queue.Queue()
        self.output = []
        self.errors = []
        threading.Thread(target=self._collect, args=(self.process.stdout, self.output, True), daemon=True).start()
        threading.Thread(target=self._collect, args=(self.process.stderr, self.errors, False), daemon=True).start()
        self.first_line = self.next_line(timeout=15) if wait_for_line else None

    def _collect(self, stream, into, to_queue):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            into.append(line)
            if to_queue:
                self.lines.put(line)
        if to_queue:
            self.lines.put(None)

    def next_line(self, timeout=10):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.name}: no output line within {timeout} s (stderr: {self.errors[-5:]})")
        if line is None:
            raise AssertionError(f"{self.name}: exited (status {self.process.poll()}) before printing a line; stderr: {self.errors[-5:]}")
        return line

    def wait_for_output(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.next_line(timeout=max(0.01, deadline - time.monotonic()))
            if re.search(pattern, line):
                return line
        raise AssertionError(f"{self.name}: no line matching {pattern!r} within {timeout} s")

    @property
    def port(self):
        match = re.search(r":(\d+)$", self.first_line or "")
        check(match, f"{self.name}: no port in {self.first_line!r}")
        return int(match.group(1))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig` and checks the program says so and exits 0 within `timeout`."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"{self.name}: did not exit within {timeout} s of {sig.name}")
        time.sleep(0)  # let the reader threads see end of file
        deadline = time.monotonic() + 2
        while not any("stopping" in line for line in self.output) and time.monotonic() < deadline:
            time.sleep(0.01)  # the reader thread may not have drained the pipe yet (bounded)
        check(status == 0, f"{self.name}: exit status {status} after {sig.name}; stderr: {self.errors[-5:]}")
        check(any(f"stopping ({sig.name})" in line for line in self.output),
              f"{self.name}: no 'stopping ({sig.name})' line; output: {self.output[-3:]}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def run(name, *args, input=b"", timeout=30):
    """Runs an example to completion; returns (status, stdout bytes, stderr text)."""
    process = subprocess.run([os.path.join(BIN, name), *map(str, args)], input=input,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return process.returncode, process.stdout, process.stderr.decode("utf-8", "replace")


def have(tool):
    return shutil.which(tool) is not None


def udp_exchange(port, payload, family=socket.AF_INET, host="127.0.0.1", timeout=5):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (host, port))
        data, sender = s.recvfrom(70000)
        return data, sender


def tcp_echo(port, payload, timeout=30):
    """Sends `payload` on one TCP connection while reading the echo; returns the echo."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        def send():
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = bytearray()
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            received += chunk
        sender.join(timeout)
        return bytes(received)


async def many_tcp_echo_clients(port, count, size, timeout=60):
    """`count` concurrent asyncio clients, each echoing `size` random bytes; all must match."""
    async def one(index):
        payload = random.randbytes(size)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async def send():
            writer.write(payload)
            await writer.drain()
            writer.write_eof()
        sending = asyncio.create_task(send())
        received = await reader.read(-1)
        await sending
        writer.close()
        return received == payload
    results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), timeout)
    return sum(results)


# MARK: - Help

@test
def every_program_explains_itself():
    names = [line.split('"')[1] for line in open(os.path.join(HERE, "Package.swift"))
             if line.strip().startswith('("') and '", "' in line]
    check(len(names) >= 20, f"found only {len(names)} programs in Package.swift")
    for name in names:
        status, out, err = run(name, "--help", timeout=10)
        check(status == 0, f"{name} --help: status {status}")
        check(out.decode().startswith(f"usage: {name}"), f"{name} --help does not start with its usage: {out[:60]!r}")
    status, _, err = run("un-echo-server", "--port", "99999", timeout=10)
    check(status == 2 and "0...65535" in err, f"a bad port is a usage error (status {status}, {err!r})")


# MARK: - UDP echo

@test
def udp_echo_is_byte_exact_for_0_1_1472_and_65507_bytes():
    with Program("un-echo-server", "--port", 0) as server:
        check("listening on udp 127.0.0.1:" in server.first_line, server.first_line)
        for size in (0, 1, 1472, 65507):
            payload = random.randbytes(size)
            data, sender = udp_exchange(server.port, payload)
            check(data == payload, f"{size} bytes came back as {len(data)} different bytes")
            check(sender == ("127.0.0.1", server.port), f"reply from {sender}")
        if have("socat"):
            out = subprocess.run(["socat", "-t", "2", "-", f"UDP:127.0.0.1:{server.port}"], input=b"via socat",
                                 stdout=subprocess.PIPE, timeout=10).stdout
            check(out == b"via socat", f"socat got {out!r}")
        if have("nc"):
            out = subprocess.run(["nc", "-u", "-w", "1", "127.0.0.1", str(server.port)], input=b"via nc\n",
                                 stdout=subprocess.PIPE, timeout=10).stdout
            check(out == b"via nc\n", f"nc got {out!r}")
        server.stop()
    with Program("un-echo-server", "--host", "::1", "--port", 0) as server:          # IPv6 too
        check("listening on udp [::1]:" in server.first_line, server.first_line)
        for size in (0, 1452, 65527):                                 # 65,527: the IPv6 UDP maximum
            payload = random.randbytes(size)
            data, _ = udp_exchange(server.port, payload, family=socket.AF_INET6, host="::1")
            check(data == payload, f"IPv6 {size} bytes")
        server.stop()


@test
def udp_echo_clients_work_against_the_server_and_a_python_server():
    with Program("un-echo-server", "--port", 0) as server:
        status, out, err = run("getaddr-echo-client", "--host", "localhost", "--service", server.port, "hello", "world")
        check(status == 0, f"getaddr-echo-client: {status} {err}")
        check(out.decode().splitlines()[-2:] == ["hello", "world"], f"getaddr-echo-client printed {out!r}")
        status, out, err = run("gethost-echo-client", "--port", server.port, input=b"one\ntwo\n")
        check(status == 0 and out == b"one\ntwo\n", f"gethost-echo-client: {status} {out!r} {err}")
        server.stop(signal.SIGINT)
    # Against an echo server NetKit did not write, over IPv6 too.
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        python = socket.socket(family, socket.SOCK_DGRAM)
        python.bind((host, 0))
        port = python.getsockname()[1]
        def serve():
            data, peer = python.recvfrom(70000)
            python.sendto(data, peer)
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        status, out, err = run("gethost-echo-client", "--host", host, "--port", port, "from-python")
        thread.join(5)
        python.close()
        check(status == 0 and out == b"from-python\n", f"gethost-echo-client against python on {host}: {status} {out!r} {err}")
    status, out, err = run("gethost-echo-client", "--port", free_udp_port(), "--timeout", 1, "nobody")
    check(status == 1 and "recv" in err, f"no server: status {status}, {err!r}")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# MARK: - UDP time

@test
def udp_time_server_answers_rfc_868():
    with Program("udp-time-server", "--port", 0) as server:
        data, _ = udp_exchange(server.port, b"")
        check(len(data) == 4, f"reply of {len(data)} bytes")
        seconds = struct.unpack("!I", data)[0] - 2208988800
        check(abs(seconds - time.time()) < 5, f"time {seconds} vs {time.time()}")
        status, out, err = run("udp-time-client", "--port", server.port)
        check(status == 0 and re.fullmatch(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n", out), f"client: {status} {out!r} {err}")
        server.stop()


@test
def udp_time_client_retries_and_gives_up():
    # A server NetKit did not write that ignores the first request and answers the second.
    python = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    python.bind(("127.0.0.1", 0))
    def serve():
        python.recvfrom(100)                       # dropped, as a lossy network would
        _, peer = python.recvfrom(100)
        python.sendto(struct.pack("!I", int(time.time()) + 2208988800), peer)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started_at = time.monotonic()
    status, out, err = run("udp-time-client", "--port", python.getsockname()[1], "--timeout", 300, "--tries", 3)
    thread.join(5)
    python.close()
    check(status == 0 and b"UTC" in out, f"retry: {status} {out!r} {err}")
    check("try 1 of 3: timed out" in err, f"the first try should time out: {err!r}")
    check(time.monotonic() - started_at < 5, "took too long")
    # Nobody there: ICMP port unreachable on a connected socket, three tries, status 1.
    status, out, err = run("udp-time-client", "--port", free_udp_port(), "--timeout", 200, timeout=10)
    check(status == 1 and "giving up after 3 tries" in err, f"no server: {status} {err!r}")


# MARK: - TCP echo

@test
def tcp_echo_server_echoes_1_mb_exactly_and_serves_clients_in_turn():
    with Program("tcp-echo-server", "--port", 0) as server:
        payload = random.randbytes(1_000_000)
        check(tcp_echo(server.port, payload) == payload, "1 MB echo differs")
        status, out, err = run("tcp-echo-client", "--port", server.port, input=payload)
        check(status == 0 and out == payload, f"tcp-echo-client: {status}, {len(out)} bytes, {err}")
        status, out, err = run("tcp-echo-client", "--port", server.port, "hi", "there")
        check(out == b"hi there\n", f"tcp-echo-client args: {out!r}")
        check(asyncio.run(many_tcp_echo_clients(server.port, 10, 10_000)) == 10, "10 clients one after another")
        if have("nc"):
            out = subprocess.run(["nc", "-N", "127.0.0.1", str(server.port)], input=b"via nc\n",
                                 stdout=subprocess.PIPE, timeout=10).stdout
            check(out == b"via nc\n", f"nc got {out!r}")
        server.stop()


@test
def tcp_echo_client_works_against_socat():
    if not have("socat"):
        return "skipped: no socat"
    peer = subprocess.Popen(["socat", "-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr", "EXEC:cat"],
                            stderr=subprocess.PIPE)
    started.append(peer)
    try:
        port = None
        for _ in range(20):
            line = peer.stderr.readline().decode()
            match = re.search(r"listening on .*:(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        check(port, "socat did not say where it listens")
        payload = random.randbytes(200_000)
        status, out, err = run("tcp-echo-client", "--port", port, input=payload)
        check(status == 0 and out == payload, f"against socat: {status} {len(out)} {err}")
    finally:
        peer.kill()
        peer.wait()


@test
def concurrent_echo_servers_serve_50_clients_at_once():
    for name in ("thread-echo-server", "async-echo-server"):
        with Program(name, "--port", 0) as server:
            check(asyncio.run(many_tcp_echo_clients(server.port, 50, 100_000)) == 50, f"{name}: not all 50 echoes matched")
            payload = random.randbytes(1_000_000)
            check(tcp_echo(server.port, payload) == payload, f"{name}: 1 MB echo differs")
            # 50 clients that all stay connected at once, then all echo.
            clients = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(50)]
            for index, client in enumerate(clients):
                client.sendall(f"client {index}\n".encode())
            for index, client in enumerate(clients):
                check(client.recv(100) == f"client {index}\n".encode(), f"{name}: held client {index}")
                client.close()
            status, out, _ = run("tcp-echo-client", "--port", server.port, "hello")
            check(out == b"hello\n", f"{name}: client: {out!r}")
            server.stop()


@test
def sigterm_during_load_stops_servers_cleanly():
    for name in ("thread-echo-server", "tcp-echo-server", "poll-tcp-udp-server", "async-echo-server",
                 "async-tcp-udp-server"):
        with Program(name, "--port", 0) as server:
            stop = threading.Event()
            def load():
                while not stop.is_set():
                    try:
                        with socket.create_connection(("127.0.0.1", server.port), timeout=2) as s:
                            s.sendall(random.randbytes(50_000))
                            s.recv(1000)
                    except OSError:
                        pass
            workers = [threading.Thread(target=load, daemon=True) for _ in range(8)]
            for worker in workers:
                worker.start()
            time.sleep(0.5)                                        # load, not synchronisation
            server.stop(timeout=5)
            stop.set()
            for worker in workers:
                worker.join(10)


# MARK: - TCP and UDP on one port

@test
def tcp_and_udp_servers_echo_both_on_one_port():
    for name in ("poll-tcp-udp-server", "async-tcp-udp-server"):
        tcp_and_udp_on_one_port(name)


def tcp_and_udp_on_one_port(name):
    with Program(name, "--port", 0) as server:
        check("udp and tcp" in server.first_line, server.first_line)
        for size in (0, 1, 1472, 65507):
            payload = random.randbytes(size)
            check(udp_exchange(server.port, payload)[0] == payload, f"udp {size}")
        payload = random.randbytes(1_000_000)
        check(tcp_echo(server.port, payload) == payload, "1 MB TCP echo differs")
        # A TCP client that sends and never reads stalls only itself.
        stuck = socket.create_connection(("127.0.0.1", server.port))
        stuck.setblocking(False)
        try:
            while True:
                stuck.send(b"x" * 65536)
        except BlockingIOError:
            pass
        check(asyncio.run(many_tcp_echo_clients(server.port, 50, 20_000)) == 50, "50 clients with one stuck")
        check(udp_exchange(server.port, b"still here")[0] == b"still here", "udp with one stuck")
        stuck.close()
        server.stop()


# MARK: - Concurrent UDP

@test
def udp_concurrent_server_answers_each_request_from_its_own_task():
    with Program("udp-concurrent-server", "--port", 0) as server:
        for size in (0, 1, 1472, 65507):
            payload = random.randbytes(size)
            data, sender = udp_exchange(server.port, payload)
            check(data == payload and sender == ("127.0.0.1", server.port), f"{size} bytes")
        # A slow request does not hold up a fast one sent after it.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(b"sleep 1000 slow", ("127.0.0.1", server.port))
            s.sendto(b"fast", ("127.0.0.1", server.port))
            check(s.recvfrom(100)[0] == b"fast", "the fast reply comes first")
            check(s.recvfrom(100)[0] == b"slow", "then the slow one")
        # 50 clients, each asking for a 300 ms answer, at once: about 0.3 s, not 15 s.
        clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(50)]
        started_at = time.monotonic()
        for index, client in enumerate(clients):
            client.settimeout(10)
            client.sendto(f"sleep 300 answer {index}".encode(), ("127.0.0.1", server.port))
        for index, client in enumerate(clients):
            check(client.recvfrom(100)[0] == f"answer {index}".encode(), f"client {index}: its own answer")
            client.close()
        elapsed = time.monotonic() - started_at
        check(elapsed < 5, f"50 concurrent 300 ms requests took {elapsed:.1f} s")
        status, out, err = run("gethost-echo-client", "--port", server.port, "via", "the", "client")
        check(status == 0 and out == b"via\nthe\nclient\n", f"client: {status} {out!r} {err}")
        server.stop()


# MARK: - Chat

async def chat_room(port, talkers=20, lines_each=100, timeout=60):
    """One client that never reads and `talkers` that chat; returns what each talker saw."""
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)     # fills fast
    slow.connect(("127.0.0.1", port))
    slow.sendall(b"slow\n")

    clients = []
    for index in range(talkers):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"user{index}\n".encode())
        await writer.drain()
        await reader.readline()                                     # the welcome
        clients.append((reader, writer))
    # Wait until everyone has seen everyone join (so no chat line precedes a join).
    for index, (reader, _) in enumerate(clients):
        for _ in range(talkers - 1 - index):
            await asyncio.wait_for(reader.readline(), timeout)

    expected = (talkers - 1) * lines_each
    async def talk_and_listen(index, reader, writer):
        async def talk():
            for n in range(lines_each):
                writer.write(f"line {n} from user{index} {'x' * 100}\n".encode())
                await writer.drain()
        talking = asyncio.create_task(talk())
        got = []
        notices = []
        seen[index] = (got, notices)
        while len(got) < expected:
            line = (await reader.readline()).decode()
            if not line:
                break
            (notices if line.startswith("*") else got).append(line)
        await talking
        return got, notices
    started_at = time.monotonic()
    seen = {}
    try:
        results = await asyncio.wait_for(asyncio.gather(*(talk_and_listen(i, r, w) for i, (r, w) in enumerate(clients))), timeout)
    except asyncio.TimeoutError:
        counts = {i: len(got) for i, (got, _) in sorted(seen.items())}
        notices = sorted({n.strip() for _, ns in seen.values() for n in ns})
        raise AssertionError(f"chat did not finish within {timeout} s: lines per talker {counts} of {expected}; notices {notices}")
    elapsed = time.monotonic() - started_at
    for _, writer in clients:
        writer.close()
    slow.close()
    return results, expected, elapsed


CHAT_SERVERS = ("chat-server", "async-chat-server")


@test
def chat_with_a_client_that_never_reads():
    for name in CHAT_SERVERS:
        chat_with_a_slow_client(name)


def chat_with_a_slow_client(name):
    # The one that never reads is sent 20 x 300 lines: more than its queue (5,000
    # lines) and buffers hold, so it must be dropped; the others read all along.
    with Program(name, "--port", 0, "--max-queue", 5000, "--send-buffer", 16384) as server:
        results, expected, elapsed = asyncio.run(chat_room(server.port, lines_each=300))
        for index, (got, notices) in enumerate(results):
            check(len(got) == expected, f"{name}: user{index} got {len(got)} of {expected} lines")
            senders = {}
            for line in got:
                match = re.match(r"user(\d+): line (\d+) from user(\d+)", line)
                check(match and match.group(1) == match.group(3), f"bad line {line!r}")
                senders.setdefault(match.group(1), []).append(int(match.group(2)))
            check(all(v == list(range(300)) for v in senders.values()), f"user{index}: lines lost or out of order")
        dropped = [n for _, notices in results for n in notices if "slow left (dropped: not reading)" in n]
        check(len(dropped) >= 1, "nobody saw the slow client dropped")
        check(elapsed < 30, f"chat took {elapsed:.1f} s")
        server.stop()


@test
def chat_refuses_long_lines_and_taken_names():
    for name in CHAT_SERVERS:
        chat_refusals(name)


def chat_refusals(name):
    with Program(name, "--port", 0, "--max-line", 100) as server:
        a = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        b = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        af, bf = a.makefile("rb"), b.makefile("rb")
        a.sendall(b"amy\n")
        check(af.readline().startswith(b"* welcome amy"), "welcome")
        b.sendall(b"amy\n")
        check(b"taken" in bf.readline(), "a taken name is refused")
        b.sendall(b"bob\n")
        check(bf.readline() == b"* welcome bob; here: amy\n", "bob's welcome")
        check(af.readline() == b"* bob joined\n", "join notice")
        b.sendall(b"y" * 5000 + b"\nshort\n")
        check(bf.readline().startswith(b"! line refused"), "long line refused")
        check(af.readline() == b"bob: short\n", "the long line is not sent, the next one is")
        bf.close()
        b.close()                                                   # (the file object holds the socket open too)
        check(af.readline() == b"* bob left (quit)\n", "leave notice")
        af.close()
        a.close()
        server.stop()


@test
def chat_clients_talk_through_the_server():
    for name in CHAT_SERVERS:
        chat_clients(name)


def chat_clients(name):
    with Program(name, "--port", 0) as server:
        amy = Program("chat-client", "--name", "amy", "--port", server.port, stdin=subprocess.PIPE)
        check(amy.first_line.startswith("* welcome amy"), amy.first_line)
        bob = Program("chat-client", "--name", "bob", "--port", server.port, stdin=subprocess.PIPE)
        amy.wait_for_output(r"^\* bob joined$")
        bob.process.stdin.write(b"hello amy\n")
        bob.process.stdin.flush()
        amy.wait_for_output(r"^bob: hello amy$")
        if have("nc"):
            nc = subprocess.Popen(["nc", "127.0.0.1", str(server.port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            started.append(nc)
            nc.stdin.write(b"carl\nhi from nc\n")
            nc.stdin.flush()
            bob.wait_for_output(r"^carl: hi from nc$")
            nc.kill()
            nc.wait()
        bob.process.stdin.close()                                 # end of input: bob leaves
        check(bob.process.wait(timeout=10) == 0, "bob exits 0")
        amy.wait_for_output(r"^\* bob left \(quit\)$")
        amy.stop()
        bob.__exit__()
        server.stop()


# MARK: - Unix-domain sockets

@test
def unix_stream_server_handles_a_stale_file_and_live_servers():
    folder = tempfile.mkdtemp(prefix="netkit-unix-")
    path = os.path.join(folder, "echo.sock")
    try:
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # bound and closed: a stale file
        stale.bind(path)
        stale.close()
        with Program("unix-stream-server", "--path", path) as server:
            check("removed stale socket file" in server.first_line, server.first_line)
            server.wait_for_output("listening on unix")
            status, out, err = run("unix-stream-client", "--path", path, "hello", "unix")
            check(status == 0 and out == b"hello unix\n", f"client: {status} {out!r} {err}")
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(path)
                payload = random.randbytes(300_000)
                threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)), daemon=True).start()
                got = bytearray()
                while chunk := s.recv(65536):
                    got += chunk
                check(bytes(got) == payload, "python unix echo differs")
            if have("socat"):
                out = subprocess.run(["socat", "-", f"UNIX-CONNECT:{path}"], input=b"via socat\n",
                                     stdout=subprocess.PIPE, timeout=10).stdout
                check(out == b"via socat\n", f"socat: {out!r}")
            status, _, err = run("unix-stream-server", "--path", path, timeout=10)
            check(status == 1 and "another server is listening" in err, f"second server: {status} {err!r}")
            server.stop()
        check(not os.path.exists(path), "the socket file is removed on SIGTERM")
        with open(path, "w") as f:
            f.write("not a socket")
        status, _, err = run("unix-stream-server", "--path", path, timeout=10)
        check(status == 1 and "is not a socket" in err, f"a regular file: {status} {err!r}")
        check(open(path).read() == "not a socket", "a regular file is left alone")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@test
def unix_datagram_pair_keeps_boundaries():
    status, out, err = run("unix-datagram-pair", timeout=10)
    check(status == 0, f"status {status} {err}")
    check(out.decode().splitlines()[1:] == ['5 bytes: "HELLO"', '0 bytes: ""', '31 bytes: "DATAGRAMS KEEP THEIR BOUNDARIES"'],
          f"output {out!r}")


# MARK: - Files

def make_folder():
    folder = tempfile.mkdtemp(prefix="netkit-files-")
    root = os.path.join(folder, "root")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "a.txt"), "wb") as f:
        f.write(b"alpha\n")
    with open(os.path.join(root, "sub", "b.txt"), "wb") as f:
        f.write(b"beta\n")
    with open(os.path.join(root, "empty"), "wb"):
        pass
    with open(os.path.join(folder, "secret.txt"), "wb") as f:
        f.write(b"outside the folder\n")
    os.symlink(os.path.join(folder, "secret.txt"), os.path.join(root, "link-out"))
    os.symlink(folder, os.path.join(root, "dir-out"))
    return folder, root


def get(port, name, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET " + name + b"\n")
        data = bytearray()
        while chunk := s.recv(65536):
            data += chunk
        return bytes(data)


FILE_SERVER_MODES = ((), ("--async",))


@test
def file_server_refuses_names_outside_its_folder():
    for mode in FILE_SERVER_MODES:
        file_server_refusals(mode)


def file_server_refusals(mode):
    folder, root = make_folder()
    try:
        with Program("file-server", "--root", root, "--port", 0, *mode) as server:
            check(get(server.port, b"a.txt") == b"OK 6\nalpha\n", "a.txt")
            check(get(server.port, b"sub/b.txt") == b"OK 5\nbeta\n", "sub/b.txt")
            check(get(server.port, b"empty") == b"OK 0\n", "an empty file")
            for name, reason in [(b"../secret.txt", b"'..'"), (b"sub/../../secret.txt", b"'..'"),
                                 (b"/etc/passwd", b"absolute"), (b"link-out", b"symbolic link"),
                                 (b"dir-out/secret.txt", b"symbolic link"), (b"missing", b"no such file"),
                                 (b"sub", b"not a regular file"), (b"", b"no file name"),
                                 (b"a.txt/x", b"not a folder"), (b"..", b"'..'")]:
                reply = get(server.port, name)
                check(reply.startswith(b"ERR ") and reason in reply and reply.endswith(b"\n") and reply.count(b"\n") == 1,
                      f"{name!r}: {reply!r}")
                check(b"outside the folder" not in reply, f"{name!r} leaked the secret")
            check(get(server.port, b"").startswith(b"ERR"), "empty name")
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
                s.sendall(b"PUT x\n")
                check(s.recv(100).startswith(b"ERR expected"), "unknown request")
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
                s.sendall(b"GET " + b"a" * 6000)
                check(s.recv(100) == b"ERR request too long\n", f"{mode}: a request line over 4 KiB")
            if have("nc"):
                out = subprocess.run(["nc", "-N", "127.0.0.1", str(server.port)], input=b"GET ../secret.txt\n",
                                     stdout=subprocess.PIPE, timeout=10).stdout
                check(out.startswith(b"ERR"), f"nc traversal: {out!r}")
            for name in ("../secret.txt", "link-out", "missing"):
                status, out, err = run("file-client", name, "--port", server.port, "--output", os.path.join(folder, "got"))
                check(status == 1 and "the server says" in err and not os.path.exists(os.path.join(folder, "got")),
                      f"file-client {name}: {status} {err!r}")
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@test
def file_server_sends_100_mb_exactly_and_1_gib_in_bounded_memory():
    return "; ".join(file_server_big_files(mode) for mode in FILE_SERVER_MODES)


def file_server_big_files(mode):
    folder, root = make_folder()
    try:
        big = os.path.join(root, "big.bin")
        digest = hashlib.sha256()
        with open(big, "wb") as f:
            for _ in range(100):
                block = random.randbytes(1 << 20)
                digest.update(block)
                f.write(block)
        with open(os.path.join(root, "huge.bin"), "wb") as f:     # sparse: 1 GiB on no disk
            f.truncate(1 << 30)
        with Program("file-server", "--root", root, "--port", 0, *mode) as server:
            out_path = os.path.join(folder, "big.copy")
            status, out, err = run("file-client", "big.bin", "--port", server.port, "--output", out_path, timeout=60)
            check(status == 0 and b"104857600 bytes" in out, f"file-client: {status} {out!r} {err}")
            with open(out_path, "rb") as f:
                copy = hashlib.sha256()
                while block := f.read(1 << 20):
                    copy.update(block)
            check(copy.hexdigest() == digest.hexdigest(), "100 MB copy differs (sha256)")
            # Python as the client, and two at once.
            def fetch(results):
                with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
                    s.sendall(b"GET big.bin\n")
                    f = s.makefile("rb")
                    check(f.readline() == b"OK 104857600\n", "header")
                    h = hashlib.sha256()
                    while block := f.read(1 << 20):
                        h.update(block)
                    results.append(h.hexdigest())
            results = []
            threads = [threading.Thread(target=fetch, args=(results,)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            check(results == [digest.hexdigest()] * 2, "concurrent python fetches differ")
            # 1 GiB through the real client into /dev/null: the client's and the
            # server's peak memory stay far below the file's size.
            measure = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE); "
                       "print(p.returncode, p.stdout.decode().strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            out = subprocess.run([sys.executable, "-c", measure, os.path.join(BIN, "file-client"), "huge.bin",
                                  "--port", str(server.port), "--output", "/dev/null"],
                                 stdout=subprocess.PIPE, timeout=120).stdout.decode()
            check(out.startswith("0 ") and "1073741824 bytes" in out, f"1 GiB: {out!r}")
            client_peak_kib = int(out.split()[-1])
            with open(f"/proc/{server.process.pid}/status") as f:
                server_peak_kib = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
            check(server_peak_kib < 64 * 1024, f"server{mode} peak memory {server_peak_kib} KiB")
            check(client_peak_kib < 64 * 1024, f"client peak memory {client_peak_kib} KiB")
            server.stop()
            return f"peak RSS after 1 GiB{' ' + mode[0] if mode else ''}: server {server_peak_kib // 1024} MiB, client {client_peak_kib // 1024} MiB"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# MARK: - Multicast

@test
def multicast_chat_over_lo():
    port = free_udp_port()
    with Program("multicast-chat", "--port", port, stdin=subprocess.PIPE) as amy, \
         Program("multicast-chat", "--port", port, stdin=subprocess.PIPE) as bob:
        check("joined 224.1.0.26 on lo" in amy.first_line, amy.first_line)
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # a member NetKit did not write
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("224.1.0.26", port))
        listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                            socket.inet_aton("224.1.0.26") + socket.inet_aton("127.0.0.1"))
        listener.settimeout(10)
        amy.process.stdin.write(b"hello group\n")
        amy.process.stdin.flush()
        bob.wait_for_output(r"^\S+:\d+: hello group$")
        amy.wait_for_output(r"^\S+:\d+: hello group$")       # its own, looped back
        check(listener.recvfrom(100)[0] == b"hello group", "python member")
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        sender.sendto(b"from python", ("224.1.0.26", port))
        bob.wait_for_output(r": from python$")
        sender.close()
        listener.close()
        amy.stop()
        bob.stop(signal.SIGINT)


# MARK: - Runner

def build():
    print(f"== swift build --package-path Examples -c {CONFIGURATION}", flush=True)
    command = ["swift", "build", "--package-path", HERE, "-c", CONFIGURATION]
    subprocess.run(command, check=True, timeout=1800, stdin=subprocess.DEVNULL)
    return subprocess.run(command + ["--show-bin-path"], check=True, stdout=subprocess.PIPE,
                          timeout=300).stdout.decode().strip()


def main():
    global BIN
    words = sys.argv[1:]
    BIN = os.environ.get("EXAMPLES_BIN") or build()

    def on_alarm(*_):
        raise TestTimeout(f"test ran longer than {TEST_TIMEOUT} s")
    signal.signal(signal.SIGALRM, on_alarm)

    passed = failed = 0
    for function in tests:
        if words and not any(word in function.__name__ for word in words):
            continue
        started_at = time.monotonic()
        signal.alarm(TEST_TIMEOUT)
        try:
            note = function()
            signal.alarm(0)
            passed += 1
            print(f"PASS {function.__name__} ({time.monotonic() - started_at:.1f} s){' ' + note if note else ''}", flush=True)
        except BaseException as error:                      # noqa: BLE001 - report and go on
            signal.alarm(0)
            failed += 1
            print(f"FAIL {function.__name__} ({time.monotonic() - started_at:.1f} s): {error}", flush=True)
            traceback.print_exc(limit=3)
        finally:
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            started.clear()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
