# Shared by Fuzz/build.sh and Fuzz/parsebench.sh (sourced, not run): the module
# map plain swiftc needs for the shim header, the shim compiled with the given
# clang flags into $out/shims.o, and the NetKit sources in $sources.
#   prepare_netkit_sources OUT_DIR [CLANG_FLAGS...]
prepare_netkit_sources() {
    out=$1
    shift
    mkdir -p "$out/module"
    cat > "$out/module/module.modulemap" <<MAP
module CNetKitShims {
    header "$PWD/Sources/CNetKitShims/include/CNetKitShims.h"
    export *
}
MAP
    clang -c "$@" -I Sources/CNetKitShims/include Sources/CNetKitShims/shims.c -o "$out/shims.o"
    mapfile -t sources < <(find Sources/NetKit -name '*.swift' | sort)
}
