#!/usr/bin/env bash
# System calls (strace -f -c) and user-space instructions (callgrind) per round
# trip for the async section's A1 (UDP) and A2 (TCP) ping-pong, by stack.
#
#   Benchmarks/async-profile.sh [STACK ...]        (default: c-epoll netkit-loop nio-async)
#
# Each figure is (count at N - count at 200) / (N - 200) from two bounded runs of
# `netkit-bench --profile STACK --workload a1|a2 --count N`, which cancels
# start-up, thread creation and tear-down (stacks that hop between threads wake
# each other a timing-dependent number of times: a long run averages that). A round trip is one message each
# way, so "per end" is half the round trip's calls: each end sends one message
# and receives one. The target is <= 3 per end (send, receive, one readiness wait).
# Then the A3 (TCP, 100 connections) and A4 (UDP, 100 peers) servers: each
# stack's server process under strace -f -c while the C load generator (not
# traced) runs for LOAD_SECONDS, per message echoed. (Under strace a server is
# slower, so it finds more messages per epoll_wait than it would untraced.)
# Environment: STRACE_COUNT (default 20000), CALLGRIND_COUNT (default 4000),
# SKIP_CALLGRIND=1, WORKLOADS ("a1 a2"), SKIP_SERVERS=1, LOAD_SECONDS (2).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")"

if ! command -v strace >/dev/null; then
    echo "installing strace" >&2
    (apt-get update -qq && apt-get install -y -qq strace) >&2
fi
if [ -z "${SKIP_CALLGRIND:-}" ] && ! command -v valgrind >/dev/null; then
    echo "installing valgrind" >&2
    (apt-get update -qq && apt-get install -y -qq valgrind) >&2
fi

swift build -c release --product netkit-bench >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind 3.19 cannot read Swift 6.3's DWARF 5: profile a copy without debug info.
cp .build/release/netkit-bench "$work/netkit-bench"
strip --strip-debug "$work/netkit-bench" 2>/dev/null || true
bench="$work/netkit-bench"

stacks=("$@")
[ ${#stacks[@]} -eq 0 ] && stacks=(c-epoll netkit-loop nio-async)
workloads=(${WORKLOADS:-a1 a2})
n=${STRACE_COUNT:-20000}
m=${CALLGRIND_COUNT:-4000}
base=200

# Total calls, and "name=calls" for the busiest ones, of one strace -c summary.
strace_calls() {
    strace -f -c -o "$work/strace.txt" "$bench" --profile "$1" --workload "$2" --count "$3" >/dev/null
    awk '$NF == "total" { print $4 }' "$work/strace.txt"
}
strace_table() {
    # % time, seconds, usecs/call, calls, [errors,] syscall
    awk '$NF != "total" && $1 ~ /^[0-9.]+$/ && NF >= 5 { print $NF, $4 }' "${1:-$work/strace.txt}"
}
instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$bench" --profile "$1" --workload "$2" --count "$3" \
        >/dev/null 2>"$work/valgrind.txt"
    awk '/^(summary|totals):/ { print $2; exit }' "$work/callgrind.out"
}

echo "| workload | stack | system calls per round trip | per end | target <= 3 per end | busiest calls per round trip | instructions per round trip |"
echo "|---|---|---|---|---|---|---|"
for workload in "${workloads[@]}"; do
    for stack in "${stacks[@]}"; do
        one=$(strace_calls "$stack" "$workload" "$base")
        strace_table | sort > "$work/one.txt"
        two=$(strace_calls "$stack" "$workload" "$n")
        strace_table | sort > "$work/two.txt"
        d=$((n - base))
        per_trip=$(awk -v a="$one" -v b="$two" -v n="$d" 'BEGIN { printf "%.2f", (b - a) / n }')
        per_end=$(awk -v t="$per_trip" 'BEGIN { printf "%.2f", t / 2 }')
        verdict=$(awk -v e="$per_end" 'BEGIN { print (e <= 3.0 ? "pass" : "MISS") }')
        busiest=$(join -a 2 -e 0 -o 0,1.2,2.2 "$work/one.txt" "$work/two.txt" \
            | awk -v n="$d" '{ d = ($3 - $2) / n; if (d >= 0.05) printf "%s %.2f\n", $1, d }' \
            | sort -k2 -n -r | head -6 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
        ir="-"
        if [ -z "${SKIP_CALLGRIND:-}" ]; then
            a=$(instructions "$stack" "$workload" "$base")
            b=$(instructions "$stack" "$workload" "$m")
            ir=$(awk -v a="$a" -v b="$b" -v n="$((m - base))" 'BEGIN { printf "%.0f", (b - a) / n }')
        fi
        echo "| $workload | $stack | $per_trip | $per_end | $verdict | $busiest | $ir |"
    done
done

[ -n "${SKIP_SERVERS:-}" ] && exit 0
echo
echo "| server | stack | system calls per message echoed | busiest calls per message |"
echo "|---|---|---|---|"
mkfifo "$work/server.in" "$work/server.out" "$work/load.in" "$work/load.out"
for proto in tcp udp; do
    for stack in "${stacks[@]}"; do
        strace -f -c -o "$work/server.txt" "$bench" --serve "$stack" "$proto" <"$work/server.in" >"$work/server.out" &
        server_pid=$!
        exec 3>"$work/server.in" 4<"$work/server.out"
        if ! read -r -t 60 line <&4; then
            echo "| $proto | $stack | server did not start | |"
            exec 3>&- 4<&-; kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
            continue
        fi
        echo mark >&3
        "$bench" --load "$proto" "${line#port }" 100 "${LOAD_SECONDS:-2}" <"$work/load.in" >"$work/load.out" &
        load_pid=$!
        exec 5>"$work/load.in" 6<"$work/load.out"
        read -r -t 60 line <&6 || true
        read -r -t 90 result <&6 || true
        echo stop >&3
        stats=""
        read -r -t 30 stats <&4 || true
        exec 3>&- 4<&- 5>&- 6<&-
        wait "$load_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        echoed=$(echo "$stats" | tr ' ' '\n' | awk -F= '$1 == "echoed" { print $2 }')
        total=$(awk '$NF == "total" { print $4 }' "$work/server.txt")
        if [ -z "$echoed" ] || [ "$echoed" = 0 ]; then echo "| $proto | $stack | no figures | |"; continue; fi
        per=$(awk -v t="$total" -v e="$echoed" 'BEGIN { printf "%.2f", t / e }')
        busiest=$(strace_table "$work/server.txt" | awk -v e="$echoed" '{ d = $2 / e; if (d >= 0.05) printf "%s %.2f\n", $1, d }' \
            | sort -k2 -n -r | head -6 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
        echo "| $proto | $stack | $per | $busiest |"
    done
done
