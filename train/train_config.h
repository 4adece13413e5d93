/* train/train_config.h: a training run's YAML config (after --set overrides) read into
 * rgtg_train_params_t: every key known, every value of the right type and in range (named with its
 * file position on refusal), before anything is created. */
#ifndef RGTG_TRAIN_TRAIN_CONFIG_H
#define RGTG_TRAIN_TRAIN_CONFIG_H

#include "../core/config.h"
#include "trainer.h"

/* Every key a `train` config may hold; the value.* keys are read by the value data builder. */
extern const char *const rgtg_train_config_keys[];

/* Checks the keys against rgtg_train_config_keys and reads the data., model., train. and dpo. keys
 * into *p (which starts as rgtg_train_default_params()), for kind "sft", "rm", "dpo" or "value".
 * Then rgtg_train_params_validate. */
rgtg_status_t rgtg_train_params_read(const rgtg_config_t *cfg, const char *kind, rgtg_train_params_t *p);

#endif
