/* tests/test_dist_fail.c: the failure path of core/dist.h, run by tests/run_dist_fail.sh under
 * `mpirun -np 2`: rank 1 calls rgtg_dist_abort while rank 0 waits in a barrier that rank 1 never
 * reaches. The job must end promptly with a non-zero status and rank 1's message, not hang. */
#include <stdio.h>

#include "../core/dist.h"
#include "../core/status.h"

int main(int argc, char **argv) {
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) {
        fprintf(stderr, "test_dist_fail: %s\n", rgtg_error_message());
        return 1;
    }
    if (rgtg_dist_world_size() < 2) {
        fprintf(stderr, "test_dist_fail: needs at least 2 ranks (run it through tests/run_dist_fail.sh)\n");
        return 1;
    }
    if (rgtg_dist_rank() == 1) rgtg_dist_abort(3, "test_dist_fail.c: rank 1 gives up on purpose");
    rgtg_dist_barrier(); /* rank 1 never arrives: only the abort can end this */
    printf("rank %d passed the barrier\n", rgtg_dist_rank());
    rgtg_dist_finalize();
    return 0;
}
