// The A3/A4 load generator as its own executable (netkit-bench runs the same
// code, CBaseline/async.c, by starting itself with --load):
//   netkit-async-load tcp|udp PORT CONNECTIONS SECONDS
#include "CBaseline.h"

int main(int argc, char **argv) { return cb_load_main(argc, argv); }
