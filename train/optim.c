/* train/optim.c: AdamW (the shim's step, matching torch.optim.AdamW), schedule and clipping. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rgtg_optim_params_t rgtg_optim_default_params(void) {
    return (rgtg_optim_params_t){
        .lr = 3e-4, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1, .grad_clip = 1.0,
        .warmup_steps = 0, .total_steps = 1000, .schedule = "cosine", .min_lr_ratio = 0.1,
    };
}

rgtg_status_t rgtg_optim_init(rgtg_optim_t *opt, const rgtg_model_t *model, const rgtg_optim_params_t *params) {
    memset(opt, 0, sizeof *opt);
    opt->params = *params;
    opt->count = rgtg_model_tensor_count(model);
    opt->exp_avg = calloc((size_t)opt->count, sizeof(tt_t));
    opt->exp_avg_sq = calloc((size_t)opt->count, sizeof(tt_t));
    if (!opt->exp_avg || !opt->exp_avg_sq) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int p = 0; p < opt->count; p++) {
        int64_t shape[TT_MAX_DIMS];
        tt_t param = rgtg_model_tensor(model, p);
        int ndim = tt_shape(param, shape);
        opt->exp_avg[p] = tt_keep(tt_zeros(shape, ndim, TT_F32, tt_device(param)));
        opt->exp_avg_sq[p] = tt_keep(tt_zeros(shape, ndim, TT_F32, tt_device(param)));
        if (!opt->exp_avg[p] || !opt->exp_avg_sq[p]) return rgtg_error_status();
    }
    return RGTG_OK;
}

void rgtg_optim_free(rgtg_optim_t *opt) {
    for (int p = 0; p < opt->count; p++) {
        if (opt->exp_avg) tt_free(opt->exp_avg[p]);
        if (opt->exp_avg_sq) tt_free(opt->exp_avg_sq[p]);
    }
    free(opt->exp_avg);
    free(opt->exp_avg_sq);
    memset(opt, 0, sizeof *opt);
}

double rgtg_optim_lr_at(const rgtg_optim_params_t *p, int64_t step) {
    if (p->warmup_steps > 0 && step <= p->warmup_steps) return p->lr * (double)step / (double)p->warmup_steps;
    if (!strcmp(p->schedule, "constant") || p->total_steps <= p->warmup_steps) return p->lr;
    double progress = (double)(step - p->warmup_steps) / (double)(p->total_steps - p->warmup_steps);
    if (progress > 1) progress = 1;
    double decay = !strcmp(p->schedule, "linear") ? 1 - progress : 0.5 * (1 + cos(M_PI * progress));
    return p->lr * (p->min_lr_ratio + (1 - p->min_lr_ratio) * decay);
}

rgtg_status_t rgtg_optim_step(rgtg_optim_t *opt, rgtg_model_t *model, double *lr_out, double *grad_norm_out) {
    size_t mark = tt_arena_mark();
    rgtg_status_t st = RGTG_OK;
    tt_t *grads = calloc((size_t)opt->count, sizeof(tt_t));
    if (!grads) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    bool grad_mode = tt_set_grad_enabled(false);
    tt_t sum_sq = NULL; /* summed on the device: one host sync per step, not one per parameter */
    for (int p = 0; p < opt->count; p++) {
        grads[p] = tt_grad(rgtg_model_tensor(model, p));
        if (!grads[p]) continue;
        tt_t g = tt_to(grads[p], TT_F32, tt_device(grads[p]));
        tt_t sq = tt_sum(tt_mul(g, g));
        sum_sq = sum_sq ? tt_add(sum_sq, sq) : sq;
    }
    double norm = sum_sq ? sqrt(tt_item(sum_sq)) : 0.0;
    if (!isfinite(norm)) st = rgtg_error_set(RGTG_ERR_NUMERIC, "gradient norm is not finite");
    double scale = opt->params.grad_clip > 0 && norm > opt->params.grad_clip ? opt->params.grad_clip / (norm + 1e-6) : 1;
    opt->step++;
    double lr = rgtg_optim_lr_at(&opt->params, opt->step);
    for (int p = 0; st == RGTG_OK && p < opt->count; p++) {
        if (!grads[p]) continue;
        tt_t g = scale != 1 ? tt_mul_scalar(grads[p], scale) : grads[p];
        tt_t param = rgtg_model_tensor(model, p);
        double decay = tt_ndim(param) >= 2 ? opt->params.weight_decay : 0.0;
        st = tt_adamw_step(param, g, opt->exp_avg[p], opt->exp_avg_sq[p], opt->step, lr, opt->params.beta1,
                           opt->params.beta2, opt->params.eps, decay);
        if (st == RGTG_OK) st = tt_zero_grad(param);
    }
    tt_set_grad_enabled(grad_mode);
    free(grads);
    tt_arena_release(mark);
    if (lr_out) *lr_out = lr;
    if (grad_norm_out) *grad_norm_out = norm;
    return st;
}
