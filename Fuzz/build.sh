#!/usr/bin/env bash
# Builds the libFuzzer target Fuzz/.build-fuzz/netkit-fuzz: the NetKit sources, the
# C shim and Fuzz/NetKitFuzz.swift compiled as one module with
# `swiftc -sanitize=fuzzer,address -parse-as-library`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

out=Fuzz/.build-fuzz
mkdir -p "$out/module"
# A module map for the shim header (SwiftPM makes one; plain swiftc needs its own).
cat > "$out/module/module.modulemap" <<MAP
module CNetKitShims {
    header "$PWD/Sources/CNetKitShims/include/CNetKitShims.h"
    export *
}
MAP
clang -c -O1 -g -fsanitize=address -I Sources/CNetKitShims/include Sources/CNetKitShims/shims.c -o "$out/shims.o"
mapfile -t sources < <(find Sources/NetKit -name '*.swift' | sort)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 -module-name NetKitFuzz -use-ld=lld \
    -I "$out/module" -Xcc -I -Xcc Sources/CNetKitShims/include \
    "${sources[@]}" Fuzz/NetKitFuzz.swift "$out/shims.o" \
    -o "$out/netkit-fuzz"
echo "built $out/netkit-fuzz"
