#!/usr/bin/env bash
# Measures address parse/print throughput, NetKit against inet_pton/inet_ntop through
# a String bridge. NetKit is built as its own optimised module (-O -wmo), like a
# release build of a client would see it:  Fuzz/parsebench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

source Fuzz/common.sh
prepare_netkit_sources Fuzz/.build-bench -O2
swiftc -O -wmo -parse-as-library -swift-version 6 -module-name NetKit \
    -I "$out/module" -emit-module -emit-module-path "$out/NetKit.swiftmodule" \
    -emit-library -static -o "$out/libNetKit.a" "${sources[@]}"
clang -c -O2 Fuzz/bench-support/malloccount.c -o "$out/malloccount.o"
swiftc -O -swift-version 6 -I "$out/module" -I "$out" -I Fuzz/bench-support Fuzz/ParseBench.swift \
    "$out/libNetKit.a" "$out/shims.o" "$out/malloccount.o" -use-ld=lld -o "$out/parsebench"
"$out/parsebench" "$@"
