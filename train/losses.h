/* train/losses.h: the training objectives as tensor functions (each returns a scalar arena tensor).
 * Shapes: B rows, T tokens, V vocabulary. */
#ifndef RGTG_TRAIN_LOSSES_H
#define RGTG_TRAIN_LOSSES_H

#include "../core/torch/tt.h"

/* Mean next-token cross-entropy: position t predicts ids[:, t+1] and counts where
 * loss_mask[:, t+1] is 1 (response tokens), logits [B, T, V], ids [B, T] int64, loss_mask [B, T] f32. */
tt_t rgtg_loss_sft(tt_t logits, tt_t ids, tt_t loss_mask);

/* Bradley-Terry: rows come in pairs (2i preferred, 2i+1 other); each row's reward is read at
 * last[b] (the index of its last token). rewards [B, T], last [B] int64. Returns mean of
 * -log sigmoid(r_preferred - r_other); accuracy_out (optional) gets the fraction with r_pref > r_other. */
tt_t rgtg_loss_bradley_terry(tt_t rewards, tt_t last, double *accuracy_out);

/* The rewards at last[b] of each row: [B]. */
tt_t rgtg_rewards_at(tt_t rewards, tt_t last);

#endif
