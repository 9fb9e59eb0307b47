#!/usr/bin/env bash
# Builds the libFuzzer target Fuzz/.build-fuzz/netkit-fuzz: the NetKit sources, the
# C shim and Fuzz/NetKitFuzz.swift compiled as one module with
# `swiftc -sanitize=fuzzer,address -parse-as-library`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

source Fuzz/common.sh
prepare_netkit_sources Fuzz/.build-fuzz -O1 -g -fsanitize=address
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 -module-name NetKitFuzz -use-ld=lld \
    -I "$out/module" -Xcc -I -Xcc Sources/CNetKitShims/include \
    "${sources[@]}" Fuzz/NetKitFuzz.swift "$out/shims.o" \
    -o "$out/netkit-fuzz"
echo "built $out/netkit-fuzz"
