#include "config.h"
#include "record.h"
int vmsh_import_main(int argc, char **argv) { return 2; }
