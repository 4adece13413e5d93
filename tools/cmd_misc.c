/* tools/cmd_misc.c: `rgtg version`: the versions of rgtg and of the libraries it runs on. */
#include <stdio.h>

#include <hdf5.h>
#include <jansson.h>
#include <yaml.h>

#include "../core/torch/tt.h"
#include "commands.h"

int rgtg_cmd_version(void) {
    unsigned h5_major, h5_minor, h5_release;
    H5get_libversion(&h5_major, &h5_minor, &h5_release);
    printf("rgtg 0.1.0\nlibtorch %s (%d threads, cuda %s)\nhdf5 %u.%u.%u\njansson %s\nlibyaml %s\n", tt_version(),
           tt_get_num_threads(), tt_cuda_available() ? "yes" : "no", h5_major, h5_minor, h5_release, jansson_version_str(),
           yaml_get_version_string());
    return 0;
}
