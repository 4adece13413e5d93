/* train/value_data.h: the CD-FUDGE value function's training data (Mudgal et al.), read from scored
 * generations files: responses sampled from the SFT LM for training prompts (`rgtg decode --split
 * train`), scored by a full-sequence reward model (`rgtg eval score`, with --reference for win labels).
 * The trainer regresses each score (or win label) onto every prefix of its response. Stages meet
 * through these files: train includes neither decode nor eval. */
#ifndef RGTG_TRAIN_VALUE_DATA_H
#define RGTG_TRAIN_VALUE_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "../data/prefs_h5.h"
#include "batches.h"

/* Reads every row of paths[0..count): its prompt is pair `id` of data (the file the generations were
 * decoded from), its response the row's tokens (each inside data's vocabulary), its target the row's
 * reward, or with win_labels 1 when the reward beats the row's reference_reward and 0 otherwise.
 * Errors name the file and line: a row without reward ("score it with rgtg eval score"), an id that
 * is not a pair of data, a token outside the vocabulary. *out owns the responses (free with
 * rgtg_value_examples_free); the prompts point into data. */
rgtg_status_t rgtg_value_examples_read(const rgtg_prefs_t *data, const char *const *paths, int count, bool win_labels,
                                       rgtg_value_example_t **out, int64_t *n_out);
void rgtg_value_examples_free(rgtg_value_example_t *examples, int64_t n);

#endif
