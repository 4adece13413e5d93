/* train/prefix_report.c: held-out accuracy of a reward model on complete responses and prefixes. */
#include "prefix_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batches.h"
#include "losses.h"

const double rgtg_prefix_cuts[RGTG_PREFIX_CUTS] = {0.25, 0.5, 0.75};

/* Loss and accuracy of one batch of pairs, as sums over pairs. */
static rgtg_status_t score_batch(const rgtg_model_t *rm, const rgtg_batch_source_t *source,
                                 const rgtg_example_t *examples, int64_t n, double *loss_sum, double *correct) {
    rgtg_batch_t b;
    rgtg_status_t st = rgtg_batch_build(source, examples, n, &b);
    if (st != RGTG_OK) return st;
    size_t mark = tt_arena_mark();
    int64_t shape[2] = {b.rows, b.width}, rows[1] = {b.rows};
    tt_t rewards = rgtg_model_forward(rm, tt_from_host(b.ids, shape, 2, TT_I64, rgtg_model_device(rm)),
                                      tt_from_host(b.mask, shape, 2, TT_I64, rgtg_model_device(rm)));
    double accuracy = NAN;
    tt_t loss = rgtg_loss_bradley_terry(rewards, tt_from_host(b.last, rows, 1, TT_I64, rgtg_model_device(rm)), &accuracy);
    if (!loss) st = rgtg_error_status();
    else *loss_sum += tt_item(loss) * (double)n, *correct += accuracy * (double)n;
    tt_arena_release(mark);
    rgtg_batch_free(&b);
    return st;
}

rgtg_status_t rgtg_prefix_report(const rgtg_model_t *rm, const rgtg_prefs_t *data, int split, int64_t max_pairs,
                                 int64_t micro_batch, int64_t max_len, rgtg_prefix_report_t *out) {
    memset(out, 0, sizeof *out);
    if (rgtg_model_config(rm)->head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix report: the model is not a reward model (score head)");
    int64_t n;
    const int64_t *pairs = rgtg_prefs_split_pairs(data, split, &n);
    if (max_pairs > 0 && n > max_pairs) n = max_pairs;
    if (n == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix report: the %s split holds no pairs", rgtg_split_name(split));
    const rgtg_prefs_info_t *info = rgtg_prefs_info(data);
    rgtg_batch_source_t source = {.data = data, .objective = RGTG_OBJECTIVE_RM_FULL, .max_len = max_len,
                                  .pad_id = info->pad_id >= 0 ? info->pad_id : 0, .bos_id = rgtg_model_config(rm)->bos_token_id};
    rgtg_example_t *batch = malloc(sizeof *batch * (size_t)micro_batch);
    if (!batch) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    bool grad = tt_set_grad_enabled(false);
    rgtg_status_t st = RGTG_OK;
    double loss_sum = 0, correct[1 + RGTG_PREFIX_CUTS] = {0}, unused = 0;
    for (int64_t start = 0; st == RGTG_OK && start < n; start += micro_batch) {
        int64_t count = n - start < micro_batch ? n - start : micro_batch;
        for (int cut = -1; st == RGTG_OK && cut < RGTG_PREFIX_CUTS; cut++) {
            for (int64_t i = 0; i < count; i++) {
                int64_t len = 0; /* whole responses */
                if (cut >= 0) {
                    len = (int64_t)ceil(rgtg_prefix_cuts[cut] * (double)rgtg_prefs_max_prefix_len(data, pairs[start + i]));
                    if (len < 1) len = 1;
                }
                batch[i] = (rgtg_example_t){pairs[start + i], (int32_t)len};
            }
            st = score_batch(rm, &source, batch, count, cut < 0 ? &loss_sum : &unused, &correct[cut + 1]);
        }
    }
    tt_set_grad_enabled(grad);
    free(batch);
    if (st != RGTG_OK) return st;
    out->pairs = n;
    out->loss = loss_sum / (double)n;
    out->accuracy = correct[0] / (double)n;
    for (int c = 0; c < RGTG_PREFIX_CUTS; c++) out->prefix_accuracy[c] = correct[c + 1] / (double)n;
    return RGTG_OK;
}
