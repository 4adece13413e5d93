/* tools/cmd_misc.c: `rgtg version` and the one-line error report every subcommand ends with. */
#include <stdio.h>

#include <hdf5.h>
#include <jansson.h>
#include <yaml.h>

#include "../core/status.h"
#include "../core/torch/tt.h"
#include "commands.h"

int rgtg_report_error(const char *context) {
    const char *message = rgtg_error_message();
    fprintf(stderr, "rgtg %s: %s\n", context, *message ? message : "failed (no message recorded)");
    return 1;
}

int rgtg_cmd_version(void) {
    unsigned h5_major, h5_minor, h5_release;
    H5get_libversion(&h5_major, &h5_minor, &h5_release);
    printf("rgtg 0.1.0\nlibtorch %s (%d threads, cuda %s)\nhdf5 %u.%u.%u\njansson %s\nlibyaml %s\n", tt_version(),
           tt_get_num_threads(), tt_cuda_available() ? "yes" : "no", h5_major, h5_minor, h5_release, jansson_version_str(),
           yaml_get_version_string());
    return 0;
}
