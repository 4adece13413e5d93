/* train/train_config.h: a training run's YAML config (after --set overrides) read into
 * rgtg_train_params_t: every key known, every value of the right type and in range (named with its
 * file position on refusal), before anything is created. */
#ifndef RGTG_TRAIN_TRAIN_CONFIG_H
#define RGTG_TRAIN_TRAIN_CONFIG_H

#include "../core/config.h"
#include "trainer.h"

/* Every key a `train` config may hold. */
extern const char *const rgtg_train_config_keys[];

#define RGTG_TRAIN_MAX_VALUE_GENS 64

/* The parameters and the storage they point into (data.value_gens paths; the strings themselves stay
 * owned by the config). */
typedef struct {
    rgtg_train_params_t train;
    const char *value_gens[RGTG_TRAIN_MAX_VALUE_GENS];
} rgtg_train_config_t;

/* Checks the keys against rgtg_train_config_keys and reads them into out->train (which starts as
 * rgtg_train_default_params() with the caller's fields set), for kind "sft", "rm", "dpo" or "value".
 * Then rgtg_train_params_validate. */
rgtg_status_t rgtg_train_config_read(const rgtg_config_t *cfg, const char *kind, rgtg_train_config_t *out);

#endif
