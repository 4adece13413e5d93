/* train/optim.h: AdamW over a model's parameters, the learning-rate schedule and gradient clipping. */
#ifndef RGTG_TRAIN_OPTIM_H
#define RGTG_TRAIN_OPTIM_H

#include <stdint.h>

#include "../core/model.h"

typedef struct {
    double lr;            /* peak learning rate */
    double beta1, beta2;  /* moment decays */
    double eps;           /* denominator floor */
    double weight_decay;  /* decoupled, applied to matrices only (not norms) */
    double grad_clip;     /* global L2 norm cap; 0: off */
    int64_t warmup_steps; /* linear warm-up from 0 */
    int64_t total_steps;  /* schedule length */
    const char *schedule; /* "cosine", "linear" or "constant" after warm-up */
    double min_lr_ratio;  /* floor of the decay as a fraction of lr */
} rgtg_optim_params_t;

rgtg_optim_params_t rgtg_optim_default_params(void);

typedef struct {
    rgtg_optim_params_t params;
    int count;
    tt_t *exp_avg, *exp_avg_sq; /* per model parameter, kept */
    int64_t step;               /* steps taken */
} rgtg_optim_t;

rgtg_status_t rgtg_optim_init(rgtg_optim_t *opt, const rgtg_model_t *model, const rgtg_optim_params_t *params);
void rgtg_optim_free(rgtg_optim_t *opt);
/* The learning rate of step (1-based) under the schedule. */
double rgtg_optim_lr_at(const rgtg_optim_params_t *params, int64_t step);
/* Clips, steps every parameter that has a gradient, and drops the gradients. grad_norm_out gets the
 * norm before clipping. */
rgtg_status_t rgtg_optim_step(rgtg_optim_t *opt, rgtg_model_t *model, double *lr_out, double *grad_norm_out);

#endif
