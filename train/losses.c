/* train/losses.c: SFT cross-entropy, the Bradley-Terry reward loss (full and prefix pairs use the
 * same loss; they differ in which sequences the batch holds), dense per-prefix Bradley-Terry, DPO and
 * the CD-FUDGE value regressions. */
#include "losses.h"

#include <stdlib.h>

tt_t rgtg_loss_sft(tt_t logits, tt_t ids, tt_t loss_mask) {
    if (!logits || !ids || !loss_mask) return NULL;
    int64_t T = tt_size(ids, 1);
    tt_t logprob = tt_log_softmax(tt_to(tt_narrow(logits, 1, 0, T - 1), TT_F32, tt_device(logits)), -1);
    tt_t targets = tt_unsqueeze(tt_narrow(ids, 1, 1, T - 1), -1);                 /* [B, T-1, 1] */
    tt_t picked = tt_squeeze(tt_gather(logprob, -1, targets), -1);                 /* [B, T-1] */
    tt_t weights = tt_narrow(loss_mask, 1, 1, T - 1);
    return tt_div(tt_neg(tt_sum(tt_mul(picked, weights))), tt_clamp(tt_sum(weights), 1.0, 1e30));
}

tt_t rgtg_rewards_at(tt_t rewards, tt_t last) {
    if (!rewards || !last) return NULL;
    return tt_squeeze(tt_gather(rewards, 1, tt_unsqueeze(last, 1)), 1);
}

tt_t rgtg_loss_bradley_terry(tt_t rewards, tt_t last, double *accuracy_out) {
    tt_t r = rgtg_rewards_at(tt_to(rewards, TT_F32, tt_device(rewards)), last);
    if (!r) return NULL;
    int64_t pairs = tt_size(r, 0) / 2;
    int64_t shape[2] = {pairs, 2};
    tt_t paired = tt_reshape(r, shape, 2);
    tt_t margin = tt_sub(tt_select(paired, 1, 0), tt_select(paired, 1, 1));
    if (accuracy_out) *accuracy_out = tt_item(tt_mean(tt_to(tt_gt_scalar(tt_detach(margin), 0.0), TT_F32, tt_device(margin))));
    return tt_neg(tt_mean(tt_logsigmoid(margin)));
}

/* sum(x * w) / sum(w); an all-zero weight gives 0 rather than NaN. */
static tt_t weighted_mean(tt_t x, tt_t w) {
    return tt_div(tt_sum(tt_mul(x, w)), tt_clamp(tt_sum(w), 1e-12, 1e30));
}

/* [2B] -> margin [B] = row 2i - row 2i+1; NULL with an error for an odd or non-1-D input. */
static tt_t pair_margin(tt_t per_row, const char *what) {
    if (!per_row) return NULL;
    if (tt_ndim(per_row) != 1 || tt_size(per_row, 0) % 2 != 0 || tt_size(per_row, 0) == 0) {
        rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: %s must be [2B] (pairs of rows), got %d-D with %lld entries",
                       what, tt_ndim(per_row), (long long)tt_numel(per_row));
        return NULL;
    }
    int64_t shape[2] = {tt_size(per_row, 0) / 2, 2};
    tt_t paired = tt_reshape(per_row, shape, 2);
    return tt_sub(tt_select(paired, 1, 0), tt_select(paired, 1, 1));
}

static bool same_2d_shape(tt_t t, int64_t rows, int64_t cols) {
    return tt_ndim(t) == 2 && tt_size(t, 0) == rows && tt_size(t, 1) == cols;
}

tt_t rgtg_loss_bt_dense(tt_t rewards, tt_t chosen_index, tt_t rejected_index, tt_t weight,
                        double *accuracy_out) {
    if (!rewards || !chosen_index || !rejected_index || !weight) return NULL;
    if (tt_ndim(rewards) != 2 || tt_size(rewards, 0) % 2 != 0 || tt_size(rewards, 0) == 0) {
        rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: dense Bradley-Terry rewards must be [2B, T], got %d-D",
                       tt_ndim(rewards));
        return NULL;
    }
    int64_t pairs = tt_size(rewards, 0) / 2, T = tt_size(rewards, 1), M = tt_size(chosen_index, -1);
    if (!same_2d_shape(chosen_index, pairs, M) || !same_2d_shape(rejected_index, pairs, M) ||
        !same_2d_shape(weight, pairs, M)) {
        rgtg_error_set(RGTG_ERR_INVALID,
                       "train/losses.c: dense Bradley-Terry index and weight arrays must all be [%lld, M] "
                       "for rewards [%lld, %lld]", (long long)pairs, (long long)(2 * pairs), (long long)T);
        return NULL;
    }
    tt_device_t dev = tt_device(rewards);
    int64_t paired_shape[3] = {pairs, 2, T};
    tt_t paired = tt_reshape(tt_to(rewards, TT_F32, dev), paired_shape, 3);
    tt_t r_chosen = tt_gather(tt_select(paired, 1, 0), 1, tt_to(chosen_index, TT_I64, dev));     /* [B, M] */
    tt_t r_rejected = tt_gather(tt_select(paired, 1, 1), 1, tt_to(rejected_index, TT_I64, dev));
    tt_t w = tt_to(weight, TT_F32, dev);
    tt_t margin = tt_sub(r_chosen, r_rejected);
    tt_t per_pair = tt_div(tt_sum_dim(tt_mul(tt_neg(tt_logsigmoid(margin)), w), 1, false),
                           tt_clamp(tt_sum_dim(w, 1, false), 1e-12, 1e30));
    if (accuracy_out && margin)
        *accuracy_out = tt_item(weighted_mean(tt_to(tt_gt_scalar(tt_detach(margin), 0.0), TT_F32, dev), w));
    return tt_mean(per_pair);
}

rgtg_status_t rgtg_dense_indices(const int64_t *prompt_len, const int64_t *chosen_len,
                                 const int64_t *rejected_len, int64_t pairs, int64_t *M_out,
                                 int64_t **chosen_idx, int64_t **rejected_idx, float **weight) {
    *chosen_idx = *rejected_idx = NULL;
    *weight = NULL;
    if (pairs < 1) return rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: dense indices need at least one pair");
    int64_t M = 0;
    for (int64_t i = 0; i < pairs; i++) {
        if (prompt_len[i] < 0 || chosen_len[i] < 1 || rejected_len[i] < 1)
            return rgtg_error_set(RGTG_ERR_INVALID,
                                  "train/losses.c: pair %lld: prompt length %lld, response lengths %lld and %lld "
                                  "(responses hold at least their EOS)", (long long)i, (long long)prompt_len[i],
                                  (long long)chosen_len[i], (long long)rejected_len[i]);
        int64_t longer = chosen_len[i] > rejected_len[i] ? chosen_len[i] : rejected_len[i];
        if (longer > M) M = longer;
    }
    int64_t *c = malloc((size_t)(pairs * M) * sizeof *c), *r = malloc((size_t)(pairs * M) * sizeof *r);
    float *w = malloc((size_t)(pairs * M) * sizeof *w);
    if (!c || !r || !w) {
        free(c);
        free(r);
        free(w);
        return rgtg_error_set(RGTG_ERR_NOMEM, "train/losses.c: dense indices for %lld x %lld", (long long)pairs,
                              (long long)M);
    }
    for (int64_t i = 0; i < pairs; i++) {
        int64_t P = prompt_len[i], Lc = chosen_len[i], Lr = rejected_len[i];
        int64_t longer = Lc > Lr ? Lc : Lr;
        for (int64_t j = 1; j <= M; j++) {
            int64_t at = i * M + j - 1, jj = j <= longer ? j : longer;
            c[at] = P + (jj < Lc ? jj : Lc) - 1;
            r[at] = P + (jj < Lr ? jj : Lr) - 1;
            w[at] = j <= longer ? 1.0f : 0.0f;
        }
    }
    *M_out = M;
    *chosen_idx = c;
    *rejected_idx = r;
    *weight = w;
    return RGTG_OK;
}

tt_t rgtg_sequence_logprob(tt_t logits, tt_t ids, tt_t loss_mask) {
    if (!logits || !ids || !loss_mask) return NULL;
    int64_t T = tt_size(ids, 1);
    if (tt_ndim(logits) != 3 || tt_ndim(ids) != 2 || tt_size(logits, 0) != tt_size(ids, 0) ||
        tt_size(logits, 1) != T || !same_2d_shape(loss_mask, tt_size(ids, 0), T) || T < 2) {
        rgtg_error_set(RGTG_ERR_INVALID,
                       "train/losses.c: sequence log-probability needs logits [B, T, V], ids and loss_mask [B, T], T >= 2");
        return NULL;
    }
    tt_device_t dev = tt_device(logits);
    tt_t logprob = tt_log_softmax(tt_to(tt_narrow(logits, 1, 0, T - 1), TT_F32, dev), -1);
    tt_t targets = tt_unsqueeze(tt_to(tt_narrow(ids, 1, 1, T - 1), TT_I64, dev), -1);   /* [B, T-1, 1] */
    tt_t picked = tt_squeeze(tt_gather(logprob, -1, targets), -1);                      /* [B, T-1] */
    tt_t weights = tt_to(tt_narrow(loss_mask, 1, 1, T - 1), TT_F32, dev);
    return tt_sum_dim(tt_mul(picked, weights), 1, false);
}

tt_t rgtg_loss_dpo(tt_t policy_logp, tt_t reference_logp, double beta, double *accuracy_out,
                   double *margin_out) {
    if (!policy_logp || !reference_logp) return NULL;
    if (!(beta > 0)) {
        rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: DPO beta must be > 0, got %g", beta);
        return NULL;
    }
    if (tt_numel(policy_logp) != tt_numel(reference_logp)) {
        rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: DPO policy and reference log-probabilities differ in size "
                       "(%lld vs %lld)", (long long)tt_numel(policy_logp), (long long)tt_numel(reference_logp));
        return NULL;
    }
    tt_device_t dev = tt_device(policy_logp);
    tt_t reference = tt_to(tt_detach(reference_logp), TT_F32, dev);
    tt_t rewards = tt_mul_scalar(tt_sub(tt_to(policy_logp, TT_F32, dev), reference), beta);
    tt_t margin = pair_margin(rewards, "DPO log-probabilities");
    if (!margin) return NULL;
    tt_t seen = tt_detach(margin);
    if (accuracy_out) *accuracy_out = tt_item(tt_mean(tt_to(tt_gt_scalar(seen, 0.0), TT_F32, dev)));
    if (margin_out) *margin_out = tt_item(tt_mean(seen));
    return tt_neg(tt_mean(tt_logsigmoid(margin)));
}

/* Checks values [B, T], per-row [B] and mask [B, T]; records an error naming the loss. */
static bool value_shapes_ok(tt_t values, tt_t per_row, tt_t mask, const char *loss) {
    if (tt_ndim(values) == 2 && tt_ndim(per_row) == 1 && tt_size(per_row, 0) == tt_size(values, 0) &&
        same_2d_shape(mask, tt_size(values, 0), tt_size(values, 1)))
        return true;
    rgtg_error_set(RGTG_ERR_INVALID, "train/losses.c: %s needs values [B, T], a [B] target and mask [B, T]", loss);
    return false;
}

tt_t rgtg_loss_value_mse(tt_t values, tt_t target, tt_t mask) {
    if (!values || !target || !mask) return NULL;
    if (!value_shapes_ok(values, target, mask, "value MSE")) return NULL;
    tt_device_t dev = tt_device(values);
    tt_t error = tt_sub(tt_to(values, TT_F32, dev), tt_unsqueeze(tt_to(target, TT_F32, dev), 1));
    return weighted_mean(tt_mul(error, error), tt_to(mask, TT_F32, dev));
}

tt_t rgtg_loss_value_bce(tt_t values, tt_t label, tt_t mask) {
    if (!values || !label || !mask) return NULL;
    if (!value_shapes_ok(values, label, mask, "value BCE")) return NULL;
    tt_device_t dev = tt_device(values);
    tt_t v = tt_to(values, TT_F32, dev), y = tt_unsqueeze(tt_to(label, TT_F32, dev), 1);
    tt_t positive = tt_mul(y, tt_logsigmoid(v));
    tt_t negative = tt_mul(tt_add_scalar(tt_neg(y), 1.0), tt_logsigmoid(tt_neg(v)));
    return weighted_mean(tt_neg(tt_add(positive, negative)), tt_to(mask, TT_F32, dev));
}
