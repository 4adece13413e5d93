/* train/losses.h: the training objectives as tensor functions (each returns a scalar arena tensor):
 * SFT, Bradley-Terry (last position and dense per-prefix), DPO and the CD-FUDGE value regressions.
 * Shapes: B rows, T tokens, V vocabulary. A NULL input or a libtorch failure gives NULL with the
 * error recorded (core/status.h). */
#ifndef RGTG_TRAIN_LOSSES_H
#define RGTG_TRAIN_LOSSES_H

#include <stdint.h>

#include "../core/status.h"
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

/* Dense Bradley-Terry (one forward of each full sequence scores every prefix). Rows come in pairs
 * (2i preferred, 2i+1 other): rewards [2B, T]. For pair i and prefix length j (column j-1 of the
 * index arrays), chosen_index[i, j-1] / rejected_index[i, j-1] [B, M] int64 are the positions whose
 * rewards are compared and weight [B, M] f32 is 1 for real prefix lengths, 0 for padding.
 * loss_i = weighted mean over j of -log sigmoid(r_c(j) - r_r(j)); returns the mean over pairs.
 * accuracy_out (optional): weighted fraction of (pair, j) with r_c(j) > r_r(j). */
tt_t rgtg_loss_bt_dense(tt_t rewards, tt_t chosen_index, tt_t rejected_index, tt_t weight,
                        double *accuracy_out);

/* Builds the dense index arrays for pairs with prompt length P, preferred response length Lc and
 * other Lr (responses include their EOS; both rows share the prompt): M = max over pairs of
 * max(Lc, Lr); for j = 1..max(Lc, Lr), chosen position P + min(j, Lc) - 1 and rejected position
 * P + min(j, Lr) - 1 (a shorter response counts as its whole self), weight 1; beyond, weight 0 and
 * the positions repeat the last real ones. The three arrays are [pairs, M] row-major, malloc'd; the
 * caller frees them. RGTG_ERR_INVALID for pairs < 1, P < 0 or a response length < 1. */
rgtg_status_t rgtg_dense_indices(const int64_t *prompt_len, const int64_t *chosen_len,
                                 const int64_t *rejected_len, int64_t pairs, int64_t *M_out,
                                 int64_t **chosen_idx, int64_t **rejected_idx, float **weight);

/* log pi(response | prompt) per row: [B], the sum of log softmax(logits[:, t])[ids[:, t+1]] over the
 * positions t where loss_mask[:, t+1] is 1 (the convention of rgtg_loss_sft). */
tt_t rgtg_sequence_logprob(tt_t logits, tt_t ids, tt_t loss_mask);

/* DPO, sigmoid loss (Rafailov et al. 2023): rows in pairs as above, policy_logp and reference_logp
 * [2B] sequence log-probabilities (the reference is detached here, so it may come from any graph).
 * Implicit reward of a row: beta * (policy - reference). Returns the mean over pairs of
 * -log sigmoid(reward_preferred - reward_other). accuracy_out (optional): fraction of pairs whose
 * reward margin is > 0; margin_out (optional): the mean reward margin. beta must be > 0. */
tt_t rgtg_loss_dpo(tt_t policy_logp, tt_t reference_logp, double beta, double *accuracy_out,
                   double *margin_out);

/* CD-FUDGE value regression (Mudgal et al. 2023): every prefix's value predicts its full response's
 * reward. values [B, T], target [B] f32, mask [B, T] f32 (response positions): the sum over masked
 * positions of (values - target_b)^2, divided by the number of masked positions. */
tt_t rgtg_loss_value_mse(tt_t values, tt_t target, tt_t mask);

/* The same with a binary label: values are logits, label [B] in [0, 1]; the masked mean of
 * binary cross-entropy with logits, -(y log sigmoid(v) + (1 - y) log sigmoid(-v)). */
tt_t rgtg_loss_value_bce(tt_t values, tt_t label, tt_t mask);

#endif
