/* train/losses.c: SFT cross-entropy and the Bradley-Terry reward loss (full and prefix pairs use the
 * same loss; they differ in which sequences the batch holds). */
#include "losses.h"

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
