#include "config.h"
#include "record.h"
int vmsh_trace_replay_main(int argc, char **argv) { return 2; }
