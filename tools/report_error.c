/* tools/report_error.c: the one-line error report every subcommand ends with. */
#include <stdio.h>

#include "../core/status.h"
#include "commands.h"

int rgtg_report_error(const char *context) {
    const char *message = rgtg_error_message();
    fprintf(stderr, "rgtg %s: %s\n", context, *message ? message : "failed (no message recorded)");
    return 1;
}
