#!/usr/bin/env bash
# Runs the NetKit address fuzz target for a bounded time (default 60 s):
#   Fuzz/run.sh [seconds]
# Builds it first when needed. The growing corpus lives in Fuzz/.build-fuzz/corpus
# (seeded from Fuzz/seeds); crashing inputs land in Fuzz/fuzz-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: Fuzz/run.sh [seconds > 0]" >&2; exit 2; }

out=Fuzz/.build-fuzz
if [ ! -x "$out/netkit-fuzz" ] || [ -n "$(find Sources/NetKit Sources/CNetKitShims Fuzz/NetKitFuzz.swift -newer "$out/netkit-fuzz" -print -quit)" ]; then
    bash Fuzz/build.sh
fi
mkdir -p "$out/corpus" Fuzz/fuzz-artifacts
# -max_total_time bounds the run; timeout(1) is the backstop if libFuzzer hangs.
timeout --kill-after=10 $((seconds + 60)) \
    "$out/netkit-fuzz" -max_total_time="$seconds" -max_len=128 -timeout=10 -print_final_stats=1 \
    -dict=Fuzz/address.dict -artifact_prefix=Fuzz/fuzz-artifacts/ \
    "$out/corpus" Fuzz/seeds </dev/null
