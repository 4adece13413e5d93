/* train/trainer.c: the training loop (see trainer.h).
 *
 * Every global batch is micro_batch x grad_accum x world examples taken in order from a seeded
 * permutation; rank r takes slots [(m * world + r) * micro_batch, +micro_batch) for forward m. Each
 * forward's loss is a mean over its units (tokens, pairs or positions); it is weighted by its share of
 * the global batch's units before backward and gradients are summed across ranks, so the step is the
 * gradient of the global mean: the same for any split of one global batch over ranks and forwards. */
#include "trainer.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/dist.h"
#include "../core/fsutil.h"
#include "../core/log.h"
#include "../core/model_dir.h"
#include "../core/progress.h"
#include "../core/tokenizer.h"
#include "../core/rng.h"
#include "checkpoint.h"
#include "losses.h"
#include "value_data.h"

/* ---------------------------------------------------------------- objectives */

const char *rgtg_objective_name(rgtg_objective_t objective) {
    switch (objective) {
    case RGTG_OBJECTIVE_SFT: return "sft";
    case RGTG_OBJECTIVE_RM_FULL: return "full";
    case RGTG_OBJECTIVE_RM_PREFIX: return "prefix";
    case RGTG_OBJECTIVE_RM_DENSE: return "dense";
    case RGTG_OBJECTIVE_DPO: return "dpo";
    case RGTG_OBJECTIVE_VALUE: return "value";
    }
    return "?";
}

bool rgtg_objective_is_reward(rgtg_objective_t o) {
    return o == RGTG_OBJECTIVE_RM_FULL || o == RGTG_OBJECTIVE_RM_PREFIX || o == RGTG_OBJECTIVE_RM_DENSE;
}

rgtg_status_t rgtg_objective_parse(const char *kind, const char *name, rgtg_objective_t *out) {
    if (!strcmp(kind, "sft")) *out = RGTG_OBJECTIVE_SFT;
    else if (!strcmp(kind, "dpo")) *out = RGTG_OBJECTIVE_DPO;
    else if (!strcmp(kind, "value")) *out = RGTG_OBJECTIVE_VALUE;
    else if (!strcmp(kind, "rm") && !strcmp(name, "full")) *out = RGTG_OBJECTIVE_RM_FULL;
    else if (!strcmp(kind, "rm") && !strcmp(name, "prefix")) *out = RGTG_OBJECTIVE_RM_PREFIX;
    else if (!strcmp(kind, "rm") && !strcmp(name, "dense")) *out = RGTG_OBJECTIVE_RM_DENSE;
    else
        return rgtg_error_set(RGTG_ERR_INVALID, "config key 'train.objective': '%s' is not one of full, prefix, dense", name);
    return RGTG_OK;
}

rgtg_train_params_t rgtg_train_default_params(void) {
    return (rgtg_train_params_t){
        .objective = RGTG_OBJECTIVE_SFT,
        .model = rgtg_model_config_default(),
        .optim = rgtg_optim_default_params(),
        .max_steps = 200, .micro_batch = 16, .grad_accum = 1, .max_len = 128, .log_every = 10,
        .eval_every = 0, .eval_pairs = 256, .save_every = 0, .keep_last = 2, .seed = 1, .threads = 2,
        .device = TT_CPU, .dtype = TT_F32, .shard = 0, .shards = 1, .dpo_beta = 0.1,
    };
}

rgtg_status_t rgtg_train_params_validate(const rgtg_train_params_t *p) {
#define REFUSE(key, ...) return rgtg_error_set(RGTG_ERR_INVALID, "config key '" key "': " __VA_ARGS__)
    if (!p->data_path || !*p->data_path) REFUSE("data.path", "is required");
    if (!p->tokenizer_path || !*p->tokenizer_path) REFUSE("data.tokenizer", "is required");
    if (!p->out_dir || !*p->out_dir) return rgtg_error_set(RGTG_ERR_INVALID, "train: an output directory is required");
    const struct { const char *key; int64_t value, min; } counts[] = {
        {"train.max_steps", p->max_steps, 1}, {"train.micro_batch", p->micro_batch, 1},
        {"train.grad_accum", p->grad_accum, 1}, {"train.max_len", p->max_len, 2},
        {"train.log_every", p->log_every, 1}, {"train.eval_every", p->eval_every, 0},
        {"train.eval_pairs", p->eval_pairs, 0}, {"train.save_every", p->save_every, 0},
        {"train.stop_after", p->stop_after, 0}, {"train.keep_last", p->keep_last, 0},
        {"train.threads", p->threads, 1}, {"train.shards", p->shards, 1}, {"train.shard", p->shard, 0},
        {"train.warmup_steps", p->optim.warmup_steps, 0},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (counts[i].value < counts[i].min)
            return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': expected an integer >= %lld, got %lld", counts[i].key,
                                  (long long)counts[i].min, (long long)counts[i].value);
    if (p->shard >= p->shards) REFUSE("train.shard", "%d is not below train.shards (%d)", p->shard, p->shards);
    /* NaN fails every comparison below */
    if (!(p->optim.lr > 0 && isfinite(p->optim.lr))) REFUSE("train.lr", "expected a finite number > 0, got %g", p->optim.lr);
    if (!(p->optim.beta1 >= 0 && p->optim.beta1 < 1)) REFUSE("train.beta1", "expected a number in [0, 1), got %g", p->optim.beta1);
    if (!(p->optim.beta2 >= 0 && p->optim.beta2 < 1)) REFUSE("train.beta2", "expected a number in [0, 1), got %g", p->optim.beta2);
    if (!(p->optim.weight_decay >= 0 && isfinite(p->optim.weight_decay)))
        REFUSE("train.weight_decay", "expected a finite number >= 0, got %g", p->optim.weight_decay);
    if (!(p->optim.grad_clip >= 0 && isfinite(p->optim.grad_clip)))
        REFUSE("train.grad_clip", "expected a finite number >= 0 (0: no clipping), got %g", p->optim.grad_clip);
    if (!(p->optim.min_lr_ratio >= 0 && p->optim.min_lr_ratio <= 1))
        REFUSE("train.min_lr_ratio", "expected a number in [0, 1], got %g", p->optim.min_lr_ratio);
    if (!(p->prefix_ratio >= 0 && isfinite(p->prefix_ratio)))
        REFUSE("data.ratio", "expected a finite number > 0, got %g", p->prefix_ratio);
    if (p->objective == RGTG_OBJECTIVE_DPO && !(p->dpo_beta > 0 && isfinite(p->dpo_beta)))
        REFUSE("dpo.beta", "expected a finite number > 0, got %g", p->dpo_beta);
#undef REFUSE
    if (p->device == TT_CUDA && !tt_cuda_available())
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "config key 'train.device': cuda is not available (this libtorch has no CUDA or no GPU is visible)");
    if (p->dtype != TT_F32 && p->device != TT_CUDA)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "config key 'train.dtype': bf16 training needs train.device=cuda");
    return RGTG_OK;
}

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo) {
    (void)signo;
    stop_requested = 1;
}

void rgtg_train_install_signal_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---------------------------------------------------------------- state */

typedef struct {
    const rgtg_train_params_t *p;
    rgtg_prefs_t *data;
    rgtg_model_t *model;
    rgtg_model_t *reference;  /* DPO: the frozen reference policy */
    float *reference_logp;    /* DPO: per pair id, [2 * pairs], computed once */
    rgtg_batch_source_t source;
    rgtg_value_example_t *values; /* value objective: read from the scored generations files */
    int64_t value_count;
    int rank, world;
} trainer_t;

/* Forward and loss of one batch: the loss is the mean over b->units; accuracy and margin (NaN when
 * the objective has none) likewise. */
static tt_t batch_loss(trainer_t *t, const rgtg_model_t *model, const rgtg_batch_t *b, const rgtg_example_t *examples,
                       double *accuracy, double *margin) {
    tt_device_t dev = rgtg_model_device(model);
    int64_t shape[2] = {b->rows, b->width}, rows[1] = {b->rows};
    tt_t ids = tt_from_host(b->ids, shape, 2, TT_I64, dev);
    tt_t out = rgtg_model_forward(model, ids, tt_from_host(b->mask, shape, 2, TT_I64, dev));
    tt_t loss_mask = tt_from_host(b->loss_mask, shape, 2, TT_F32, dev);
    *accuracy = *margin = NAN;
    switch (t->p->objective) {
    case RGTG_OBJECTIVE_SFT: return rgtg_loss_sft(out, ids, loss_mask);
    case RGTG_OBJECTIVE_RM_FULL:
    case RGTG_OBJECTIVE_RM_PREFIX:
        return rgtg_loss_bradley_terry(out, tt_from_host(b->last, rows, 1, TT_I64, dev), accuracy);
    case RGTG_OBJECTIVE_RM_DENSE: {
        int64_t pairs = b->rows / 2, m;
        int64_t prompt[pairs], chosen[pairs], rejected[pairs];
        for (int64_t i = 0; i < pairs; i++)
            prompt[i] = b->prompt_len[2 * i], chosen[i] = b->response_len[2 * i], rejected[i] = b->response_len[2 * i + 1];
        int64_t *ci = NULL, *ri = NULL;
        float *w = NULL;
        if (rgtg_dense_indices(prompt, chosen, rejected, pairs, &m, &ci, &ri, &w) != RGTG_OK) return NULL;
        int64_t ishape[2] = {pairs, m};
        tt_t loss = rgtg_loss_bt_dense(out, tt_from_host(ci, ishape, 2, TT_I64, dev), tt_from_host(ri, ishape, 2, TT_I64, dev),
                                       tt_from_host(w, ishape, 2, TT_F32, dev), accuracy);
        free(ci), free(ri), free(w);
        return loss;
    }
    case RGTG_OBJECTIVE_DPO: {
        float ref[b->rows];
        for (int64_t i = 0; i < b->rows / 2; i++) {
            ref[2 * i] = t->reference_logp[2 * examples[i].id];
            ref[2 * i + 1] = t->reference_logp[2 * examples[i].id + 1];
        }
        tt_t logp = rgtg_sequence_logprob(out, ids, loss_mask);
        return rgtg_loss_dpo(logp, tt_from_host(ref, rows, 1, TT_F32, dev), t->p->dpo_beta, accuracy, margin);
    }
    case RGTG_OBJECTIVE_VALUE: {
        tt_t target = tt_from_host(b->target, rows, 1, TT_F32, dev);
        return t->p->value_bce ? rgtg_loss_value_bce(out, target, loss_mask) : rgtg_loss_value_mse(out, target, loss_mask);
    }
    }
    return NULL;
}

/* DPO: the reference policy's log-probabilities of both responses of every pair in examples,
 * computed once (no gradients) and kept per pair id. */
static rgtg_status_t cache_reference(trainer_t *t, const rgtg_example_t *examples, int64_t n) {
    int64_t mb = t->p->micro_batch;
    rgtg_status_t st = RGTG_OK;
    bool grad = tt_set_grad_enabled(false);
    for (int64_t start = 0; st == RGTG_OK && start < n; start += mb) {
        int64_t count = n - start < mb ? n - start : mb;
        rgtg_batch_t b;
        st = rgtg_batch_build(&t->source, examples + start, count, &b);
        if (st != RGTG_OK) break;
        size_t mark = tt_arena_mark();
        int64_t shape[2] = {b.rows, b.width};
        tt_device_t dev = rgtg_model_device(t->reference);
        tt_t ids = tt_from_host(b.ids, shape, 2, TT_I64, dev);
        tt_t logp = rgtg_sequence_logprob(rgtg_model_forward(t->reference, ids, tt_from_host(b.mask, shape, 2, TT_I64, dev)),
                                          ids, tt_from_host(b.loss_mask, shape, 2, TT_F32, dev));
        float values[b.rows];
        st = logp ? tt_to_host(logp, TT_F32, values, sizeof values) : rgtg_error_status();
        for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
            t->reference_logp[2 * examples[start + i].id] = values[2 * i];
            t->reference_logp[2 * examples[start + i].id + 1] = values[2 * i + 1];
        }
        tt_arena_release(mark);
        rgtg_batch_free(&b);
    }
    tt_set_grad_enabled(grad);
    return st;
}

/* Mean held-out loss (and accuracy) over examples, without gradients. */
static rgtg_status_t held_out_loss(trainer_t *t, const rgtg_example_t *examples, int64_t n, double *loss_out,
                                   double *accuracy_out) {
    double loss_sum = 0, acc_sum = 0, units = 0;
    rgtg_status_t st = RGTG_OK;
    bool grad = tt_set_grad_enabled(false);
    for (int64_t start = 0; st == RGTG_OK && start < n; start += t->p->micro_batch) {
        int64_t count = n - start < t->p->micro_batch ? n - start : t->p->micro_batch;
        rgtg_batch_t b;
        st = rgtg_batch_build(&t->source, examples + start, count, &b);
        if (st != RGTG_OK) break;
        size_t mark = tt_arena_mark();
        double acc, margin;
        tt_t loss = batch_loss(t, t->model, &b, examples + start, &acc, &margin);
        if (!loss) st = rgtg_error_status();
        else loss_sum += tt_item(loss) * (double)b.units, acc_sum += acc * (double)b.units, units += (double)b.units;
        tt_arena_release(mark);
        rgtg_batch_free(&b);
    }
    tt_set_grad_enabled(grad);
    *loss_out = units > 0 ? loss_sum / units : NAN;
    *accuracy_out = units > 0 ? acc_sum / units : NAN;
    return st;
}

/* The held-out split: valid, or test when valid is empty. */
static int held_out_split(const rgtg_prefs_t *data) {
    return rgtg_prefs_count(data, RGTG_SPLIT_VALID) > 0 ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
}

/* SFT on both sides: each pair's rejected response follows its chosen one as a second example. */
static rgtg_status_t add_rejected_sides(rgtg_example_t **examples, int64_t *n) {
    rgtg_example_t *both = malloc(sizeof *both * (size_t)(2 * *n + 1));
    if (!both) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < *n; i++) {
        both[2 * i] = (*examples)[i];
        both[2 * i + 1] = (*examples)[i];
        both[2 * i + 1].rejected = 1;
    }
    free(*examples);
    *examples = both;
    *n *= 2;
    return RGTG_OK;
}

/* Value examples with index % 20 == 19 are held out. */
static bool value_held_out(int64_t i) { return i % 20 == 19; }

static rgtg_status_t evaluate(trainer_t *t, const rgtg_example_t *held, int64_t n_held, rgtg_train_result_t *r) {
    const rgtg_train_params_t *p = t->p;
    if (rgtg_objective_is_reward(p->objective) && p->report) {
        rgtg_status_t st = p->report(p->report_context, t->model, t->data, held_out_split(t->data), p->eval_pairs,
                                     p->micro_batch, p->max_len, &r->report);
        r->eval_loss = r->report.loss;
        return st;
    }
    double accuracy;
    rgtg_status_t st = held_out_loss(t, held, n_held, &r->eval_loss, &accuracy);
    r->report.accuracy = accuracy;
    return st;
}

static void write_eval_metrics(FILE *metrics, int64_t step, const rgtg_train_params_t *p, const rgtg_train_result_t *r) {
    if (!metrics) return;
    fprintf(metrics, "{\"step\": %lld, \"eval_loss\": %.6f", (long long)step, r->eval_loss);
    if (rgtg_objective_is_reward(p->objective) && p->report)
        fprintf(metrics, ", \"eval_accuracy\": %.4f, \"eval_prefix_accuracy_25\": %.4f, \"eval_prefix_accuracy_50\": %.4f, "
                         "\"eval_prefix_accuracy_75\": %.4f", r->report.accuracy, r->report.prefix_accuracy[0],
                r->report.prefix_accuracy[1], r->report.prefix_accuracy[2]);
    else if (p->objective == RGTG_OBJECTIVE_DPO || rgtg_objective_is_reward(p->objective))
        fprintf(metrics, ", \"eval_accuracy\": %.4f", r->report.accuracy);
    fprintf(metrics, "}\n");
    fflush(metrics);
}

/* ---------------------------------------------------------------- models */

static rgtg_status_t make_model(const rgtg_train_params_t *p, const rgtg_prefs_info_t *info, rgtg_model_t **out) {
    rgtg_model_config_t config = p->model;
    config.vocab_size = info->vocab_size;
    config.eos_token_id = info->eos_id;
    config.pad_token_id = info->pad_id;
    config.dtype = p->dtype;
    bool lm = p->objective == RGTG_OBJECTIVE_SFT || p->objective == RGTG_OBJECTIVE_DPO;
    config.head = lm ? RGTG_HEAD_LM : RGTG_HEAD_SCORE;
    if (!p->init) {
        if (p->objective == RGTG_OBJECTIVE_DPO)
            return rgtg_error_set(RGTG_ERR_INVALID, "config key 'model.init': DPO needs the SFT model to start from");
        bool reads_bos = true; /* a fresh model reads BOS first as the training tokenizer says */
        rgtg_status_t st = p->tokenizer_path ? rgtg_tokenizer_model_reads_bos(p->tokenizer_path, &reads_bos) : RGTG_OK;
        config.tokenizer_adds_no_bos = !reads_bos;
        return st == RGTG_OK ? rgtg_model_create(&config, p->seed, p->device, out) : st;
    }
    /* SFT and DPO go on from a language model; a reward or value model may start from either kind */
    rgtg_model_t *init = NULL;
    rgtg_status_t st = lm ? rgtg_model_load_for(p->init, RGTG_HEAD_LM, p->device, &init)
                          : rgtg_model_dir_complete(p->init, false);
    if (st == RGTG_OK && !lm) st = rgtg_model_dir_has_tokenizer(p->init);
    if (st == RGTG_OK && !lm) st = rgtg_model_load(p->init, p->device, &init);
    if (st == RGTG_OK && rgtg_model_config(init)->vocab_size != info->vocab_size)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: vocabulary %d differs from the data file's %d", p->init,
                            rgtg_model_config(init)->vocab_size, info->vocab_size);
    if (st == RGTG_OK) st = rgtg_check_tokenizer_matches_data(p->init, info->tokenizer_sha256, p->data_path);
    if (st == RGTG_OK && rgtg_model_config(init)->head == config.head) {
        st = rgtg_model_convert_dtype(init, p->dtype);
        if (st == RGTG_OK) {
            *out = init;
            return RGTG_OK;
        }
    }
    if (st != RGTG_OK) {
        rgtg_model_free(init);
        return st;
    }
    /* a reward or value model from a language model: the same body, a fresh head */
    rgtg_model_config_t body = *rgtg_model_config(init);
    body.head = config.head;
    body.tie_word_embeddings = false;
    body.dtype = p->dtype;
    rgtg_model_t *fresh;
    st = rgtg_model_create(&body, p->seed, p->device, &fresh);
    bool grad = tt_set_grad_enabled(false);
    for (int i = 0; st == RGTG_OK && i < rgtg_model_tensor_count(fresh); i++) {
        tt_t src = rgtg_model_param(init, rgtg_model_tensor_name(fresh, i));
        if (src) st = tt_copy_(rgtg_model_tensor(fresh, i), src);
    }
    tt_set_grad_enabled(grad);
    rgtg_model_free(init);
    if (st != RGTG_OK) {
        rgtg_model_free(fresh);
        return st;
    }
    *out = fresh;
    return RGTG_OK;
}

static rgtg_status_t check_tokenizer(const rgtg_train_params_t *p, const rgtg_prefs_info_t *info) {
    if (!p->tokenizer_path) return RGTG_OK;
    rgtg_tokenizer_files_t files;
    rgtg_status_t st = rgtg_tokenizer_files(p->tokenizer_path, &files);
    if (st != RGTG_OK) return st;
    if (info->tokenizer_sha256[0] && strcmp(files.sha256, info->tokenizer_sha256) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID,
                            "%s: tokenizer sha256 %.12s... differs from the one %s was built with (%.12s...)",
                            files.file, files.sha256, p->data_path, info->tokenizer_sha256);
    rgtg_tokenizer_files_free(&files);
    return st;
}

/* OUT/final written whole, like a checkpoint: a full disk leaves the previous final/ (or none), never a
 * directory without its tokenizer. */
static rgtg_status_t save_final(const rgtg_train_params_t *p, const rgtg_model_t *model) {
    char *dir = rgtg_path_join(p->out_dir, "final"), *tmp = NULL;
    rgtg_tokenizer_files_t files = {0};
    rgtg_status_t st = dir ? rgtg_dir_begin(dir, &tmp) : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_model_save(model, tmp);
    if (st == RGTG_OK) st = rgtg_tokenizer_files(p->tokenizer_path, &files);
    if (st == RGTG_OK) st = rgtg_tokenizer_files_copy(&files, tmp);
    if (st == RGTG_OK) st = rgtg_dir_commit(tmp, dir);
    if (st != RGTG_OK) rgtg_dir_abort(tmp);
    rgtg_tokenizer_files_free(&files);
    free(tmp), free(dir);
    return st;
}

/* ---------------------------------------------------------------- metrics.jsonl on resume */

/* Keeps the rows of metrics.jsonl up to step (a run stopped after its last checkpoint wrote rows that
 * the resumed run writes again) and drops a torn last line; *eval_at_step says whether an evaluation
 * row of that step is among those kept. The file is rewritten atomically; a missing one is fine. */
static rgtg_status_t cut_metrics(const char *path, int64_t step, bool *eval_at_step) {
    *eval_at_step = false;
    if (!rgtg_path_exists(path)) return RGTG_OK;
    char *text;
    size_t size;
    rgtg_status_t st = rgtg_read_file(path, &text, &size);
    if (st != RGTG_OK) return st;
    size_t keep = 0;
    for (char *line = text; line < text + size;) {
        char *end = memchr(line, '\n', (size_t)(text + size - line));
        if (!end) break; /* no newline: a torn write */
        json_t *row = json_loadb(line, (size_t)(end - line), 0, NULL);
        json_t *row_step = row ? json_object_get(row, "step") : NULL;
        bool kept = json_is_integer(row_step) && json_integer_value(row_step) <= step;
        if (kept && json_integer_value(row_step) == step && json_object_get(row, "eval_loss")) *eval_at_step = true;
        json_decref(row);
        if (!kept) break; /* rows are in step order: the rest came after the checkpoint */
        line = end + 1;
        keep = (size_t)(line - text);
    }
    if (keep < size) st = rgtg_write_file_atomic(path, text, keep);
    free(text);
    return st;
}

/* ---------------------------------------------------------------- the data order */

typedef struct {
    rgtg_rng_t order;       /* the data-order stream */
    uint64_t epoch_rng[RGTG_RNG_STATE_WORDS]; /* its state before this epoch's shuffle */
    int64_t *perm, n, cursor, epoch;
} data_order_t;

static void start_epoch(data_order_t *d) {
    rgtg_rng_state_get(&d->order, d->epoch_rng);
    for (int64_t j = 0; j < d->n; j++) d->perm[j] = j;
    rgtg_rng_shuffle(&d->order, d->perm, d->n);
    d->cursor = 0;
}

static int64_t next_example(data_order_t *d) {
    if (d->cursor == d->n) {
        d->epoch++;
        start_epoch(d);
    }
    return d->perm[d->cursor++];
}

/* ---------------------------------------------------------------- the run */

static rgtg_status_t save_checkpoint(trainer_t *t, rgtg_optim_t *opt, const data_order_t *d, int64_t step) {
    if (t->rank != 0) return RGTG_OK;
    rgtg_trainer_state_t state;
    memset(&state, 0, sizeof state);
    state.step = step;
    state.epoch = d->epoch, state.cursor = d->cursor, state.examples = d->n;
    memcpy(state.epoch_rng, d->epoch_rng, sizeof state.epoch_rng);
    state.seed = t->p->seed, state.world_size = t->world;
    state.micro_batch = t->p->micro_batch, state.grad_accum = t->p->grad_accum;
    rgtg_status_t st = rgtg_trainer_state_put_rng(&state, "data_order", &d->order);
    if (st == RGTG_OK)
        st = rgtg_checkpoint_save(t->p->out_dir, step, t->model, opt, &state, t->p->tokenizer_path, t->p->keep_last);
    return st;
}

/* Restores model, optimizer and data order from a checkpoint; *start_step gets its step and *from its
 * path (malloc'd; NULL when there was none to resume). */
static rgtg_status_t resume(trainer_t *t, rgtg_optim_t *opt, data_order_t *d, int64_t *start_step, char **from) {
    char *dir = NULL;
    *from = NULL;
    rgtg_status_t st = RGTG_OK;
    if (!strcmp(t->p->resume, "auto")) {
        st = rgtg_checkpoint_find_latest(t->p->out_dir, &dir);
        if (st == RGTG_OK && !dir) {
            rgtg_log_info("no checkpoint in %s: starting from step 0", t->p->out_dir);
            return RGTG_OK;
        }
    } else {
        dir = strdup(t->p->resume);
    }
    rgtg_trainer_state_t state;
    if (st == RGTG_OK) st = rgtg_checkpoint_load(dir, t->model, opt, &state);
    if (st == RGTG_OK && state.examples != d->n)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: the checkpoint's run had %lld training examples, this one has %lld",
                            dir, (long long)state.examples, (long long)d->n);
    if (st == RGTG_OK) st = rgtg_rng_state_set(&d->order, state.epoch_rng);
    if (st == RGTG_OK) {
        start_epoch(d); /* replays that epoch's shuffle; the stream ends where the run left it */
        d->epoch = state.epoch;
        d->cursor = state.cursor;
        *start_step = state.step;
        rgtg_log_info("resumed from %s at step %lld", dir, (long long)state.step);
        *from = dir;
        dir = NULL;
    }
    free(dir);
    return st;
}

rgtg_status_t rgtg_train_run(const rgtg_train_params_t *p, rgtg_train_result_t *result) {
    memset(result, 0, sizeof *result);
    rgtg_status_t st = rgtg_train_params_validate(p); /* the same on every rank */
    if (st != RGTG_OK) return st;
    tt_set_num_threads(p->threads);
    trainer_t t = {.p = p, .rank = rgtg_dist_rank(), .world = rgtg_dist_world_size()};
    /* from here on every failure goes through rgtg_dist_check, so that no rank is left waiting */
    st = rgtg_dist_check(rgtg_prefs_open(p->data_path, &t.data));
    if (st != RGTG_OK) return st;
    const rgtg_prefs_info_t *info = rgtg_prefs_info(t.data);
    t.source = (rgtg_batch_source_t){.data = t.data, .objective = p->objective,
                                     .max_len = p->max_len, .pad_id = info->pad_id >= 0 ? info->pad_id : 0,
                                     .bos_id = -1};
    rgtg_example_t *all = NULL, *examples = NULL, *held = NULL;
    int64_t n_all = 0, n = 0, n_held = 0;
    FILE *metrics = NULL;
    rgtg_optim_t opt = {0};
    data_order_t order = {0};
    st = check_tokenizer(p, info);
    if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_VALUE) {
        st = rgtg_value_examples_read(t.data, p->value_gens, p->value_gens_count, p->value_bce, &t.values, &t.value_count);
        t.source.values = t.values;
        if (st == RGTG_OK && t.value_count < 20)
            st = rgtg_error_set(RGTG_ERR_INVALID, "train value: %lld scored responses, at least 20 needed",
                                (long long)t.value_count);
    }
    /* training examples (this shard of the pairs) and held-out ones */
    if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_VALUE) {
        n_all = t.value_count;
        all = malloc(sizeof *all * (size_t)n_all);
        held = malloc(sizeof *held * (size_t)n_all);
        if (!all || !held) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; st == RGTG_OK && i < n_all; i++) {
            if (value_held_out(i)) held[n_held++] = (rgtg_example_t){i, 0, 0};
            else all[n++] = (rgtg_example_t){i, 0, 0};
        }
        examples = all;
    } else if (st == RGTG_OK) {
        st = rgtg_examples_build(t.data, p->objective, RGTG_SPLIT_TRAIN, p->prefix_ratio, p->seed, &all, &n_all);
        for (int64_t i = 0; st == RGTG_OK && i < n_all; i++)
            if (all[i].id % p->shards == p->shard) all[n++] = all[i];
        if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_SFT && p->sft_both_sides) st = add_rejected_sides(&all, &n);
        examples = all;
        if (st == RGTG_OK) st = rgtg_examples_build(t.data, p->objective == RGTG_OBJECTIVE_RM_PREFIX ? RGTG_OBJECTIVE_RM_FULL
                                                                                                   : p->objective,
                                                    held_out_split(t.data), 0, 0, &held, &n_held);
        if (p->eval_pairs > 0 && n_held > p->eval_pairs) n_held = p->eval_pairs;
        /* evaluation runs during and after training: a split without pairs must stop the run now, not
           after the last step */
        if (st == RGTG_OK && n_held == 0)
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: the valid and test splits hold no pairs, and training evaluates on "
                                "held-out pairs (give them a share with data prepare --split)", p->data_path);
    }
    if (st == RGTG_OK && n == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no training examples", p->data_path);
    /* one GPU per rank on a node; NCCL sums CUDA gradients (MPI only exchanges its id) */
    if (st == RGTG_OK && p->device == TT_CUDA && t.world > 1) st = rgtg_dist_init_nccl(rgtg_dist_local_rank());
    st = rgtg_dist_check(st);
    if (st == RGTG_OK) st = make_model(p, info, &t.model);
    if (st == RGTG_OK) t.source.bos_id = rgtg_model_config_bos_to_prepend(rgtg_model_config(t.model));
    if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_DPO) {
        st = rgtg_model_load_for(p->init, RGTG_HEAD_LM, p->device, &t.reference);
        if (st == RGTG_OK) st = rgtg_model_convert_dtype(t.reference, p->dtype);
        int64_t pairs = rgtg_prefs_pair_count(t.data);
        t.reference_logp = malloc(sizeof(float) * (size_t)(2 * pairs + 2));
        if (st == RGTG_OK && !t.reference_logp) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        if (st == RGTG_OK) st = cache_reference(&t, examples, n);
        if (st == RGTG_OK) st = cache_reference(&t, held, n_held);
    }
    if (st == RGTG_OK) st = rgtg_optim_init(&opt, t.model, &p->optim);
    for (int i = 0; st == RGTG_OK && i < rgtg_model_tensor_count(t.model); i++) st = tt_set_requires_grad(rgtg_model_tensor(t.model, i), true);
    order.n = n;
    order.perm = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (st == RGTG_OK && !order.perm) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_rng_seed(&order.order, p->seed, 0xDA7A);
    if (st == RGTG_OK) start_epoch(&order);
    /* every check has passed: only now is the output directory created, locked and written */
    rgtg_output_lock_t *lock = NULL;
    st = rgtg_dist_check(st);
    if (st == RGTG_OK && t.rank == 0) st = rgtg_dir_lock(p->out_dir, &lock);
    st = rgtg_dist_check(st);
    int64_t start_step = 0;
    char *last_checkpoint = NULL; /* for the NaN message: the newest checkpoint this run can go back to */
    if (st == RGTG_OK && p->resume) st = resume(&t, &opt, &order, &start_step, &last_checkpoint);
    bool eval_at_start = false;
    if (st == RGTG_OK && t.rank == 0 && p->resolved_config) {
        char *path = rgtg_path_join(p->out_dir, "config.yaml");
        st = path ? rgtg_config_write_yaml(p->resolved_config, path) : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        free(path);
    }
    if (st == RGTG_OK && t.rank == 0) {
        char *path = rgtg_path_join(p->out_dir, "metrics.jsonl");
        if (!path) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        if (st == RGTG_OK && start_step > 0) st = cut_metrics(path, start_step, &eval_at_start);
        if (st == RGTG_OK && !(metrics = fopen(path, start_step > 0 ? "a" : "w")))
            st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        free(path);
    }
    st = rgtg_dist_check(st);
    result->examples = n;

    int64_t mb = p->micro_batch, accum = p->grad_accum, global = mb * accum * t.world;
    rgtg_example_t *step_examples = malloc(sizeof *step_examples * (size_t)global);
    rgtg_batch_t *batches = calloc((size_t)accum, sizeof *batches);
    tt_t *grads = t.model ? calloc((size_t)rgtg_model_tensor_count(t.model), sizeof(tt_t)) : NULL;
    if (st == RGTG_OK && (!step_examples || !batches || !grads)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_progress_set_enabled(t.rank == 0 && !p->quiet);
    rgtg_progress_t *bar = st == RGTG_OK ? rgtg_progress_start(rgtg_objective_name(p->objective), p->max_steps) : NULL;
    double train_seconds = 0, tokens_total = 0, examples_total = 0, prefix_pairs_total = 0;
    bool reward = rgtg_objective_is_reward(p->objective), has_accuracy = reward || p->objective == RGTG_OBJECTIVE_DPO;
    int64_t step = start_step;
    while (st == RGTG_OK && step < p->max_steps) {
        int64_t stop = stop_requested || (p->stop_after > 0 && step - start_step >= p->stop_after);
        st = rgtg_dist_allreduce_max_i64(&stop, 1);
        if (st == RGTG_OK && stop) {
            if (step > start_step) st = save_checkpoint(&t, &opt, &order, step);
            result->interrupted = true;
            break;
        }
        step++;
        double began = rgtg_now_seconds();
        for (int64_t g = 0; g < global; g++) step_examples[g] = examples[next_example(&order)];
        /* this rank's forwards, their units, and the global count of units */
        double sums[6] = {0}; /* units, loss, accuracy, margin, tokens, prefix pairs */
        for (int64_t m = 0; st == RGTG_OK && m < accum; m++) {
            st = rgtg_batch_build(&t.source, step_examples + (m * t.world + t.rank) * mb, mb, &batches[m]);
            sums[0] += (double)batches[m].units;
            sums[4] += (double)batches[m].tokens;
            sums[5] += (double)batches[m].prefix_pairs;
        }
        st = rgtg_dist_check(st);
        double total_units = sums[0];
        if (st == RGTG_OK) st = rgtg_dist_allreduce_sum_f64(&total_units, 1);
        for (int64_t m = 0; st == RGTG_OK && m < accum; m++) {
            size_t mark = tt_arena_mark();
            double acc, margin, share = total_units > 0 ? (double)batches[m].units / total_units : 0;
            tt_t loss = batch_loss(&t, t.model, &batches[m], step_examples + (m * t.world + t.rank) * mb, &acc, &margin);
            double value = loss ? tt_item(loss) : NAN;
            if (!loss) st = rgtg_error_status();
            else if (!isfinite(value) && last_checkpoint)
                st = rgtg_error_set(RGTG_ERR_NUMERIC, "step %lld: the loss is %g; stopping (the last checkpoint, %s, is intact)",
                                    (long long)step, value, last_checkpoint);
            else if (!isfinite(value))
                st = rgtg_error_set(RGTG_ERR_NUMERIC, "step %lld: the loss is %g; stopping (no checkpoint had been written: "
                                    "train.save_every is %lld)", (long long)step, value, (long long)p->save_every);
            if (st == RGTG_OK) st = tt_backward(tt_mul_scalar(loss, share));
            sums[1] += value * share, sums[2] += acc * share, sums[3] += margin * share;
            tt_arena_release(mark);
        }
        for (int64_t m = 0; m < accum; m++) rgtg_batch_free(&batches[m]);
        st = rgtg_dist_check(st);
        if (st == RGTG_OK && t.world > 1) {
            size_t mark = tt_arena_mark();
            int count = 0;
            for (int i = 0; i < rgtg_model_tensor_count(t.model); i++)
                if ((grads[count] = tt_grad(rgtg_model_tensor(t.model, i)))) count++;
            st = rgtg_dist_allreduce_tensors(grads, count, 1.0);
            tt_arena_release(mark);
        }
        double lr = 0, norm = 0;
        if (st == RGTG_OK) st = rgtg_optim_step(&opt, t.model, &lr, &norm);
        if (st == RGTG_OK) st = rgtg_dist_allreduce_sum_f64(sums + 1, 5);
        st = rgtg_dist_check(st);
        if (st != RGTG_OK) break;
        train_seconds += rgtg_now_seconds() - began;
        tokens_total += sums[4];
        examples_total += (double)global;
        prefix_pairs_total += sums[5];
        result->final_loss = sums[1];
        result->steps = step;
        if (metrics && (step % p->log_every == 0 || step == p->max_steps)) {
            fprintf(metrics, "{\"step\": %lld, \"loss\": %.6f, \"lr\": %.6g, \"grad_norm\": %.4f, \"tokens_per_s\": %.1f, "
                             "\"examples_per_s\": %.2f",
                    (long long)step, sums[1], lr, norm, tokens_total / train_seconds, examples_total / train_seconds);
            if (reward) fprintf(metrics, ", \"prefix_pairs_per_s\": %.2f", prefix_pairs_total / train_seconds);
            if (has_accuracy) fprintf(metrics, ", \"accuracy\": %.4f", sums[2]);
            if (p->objective == RGTG_OBJECTIVE_DPO) fprintf(metrics, ", \"margin\": %.4f", sums[3]);
            fprintf(metrics, "}\n");
            fflush(metrics);
        }
        if (bar) {
            if (has_accuracy)
                rgtg_progress_update(bar, step, "loss %.4f acc %.2f %.0f tok/s", sums[1], sums[2], tokens_total / train_seconds);
            else
                rgtg_progress_update(bar, step, "loss %.4f %.0f tok/s", sums[1], tokens_total / train_seconds);
        }
        if (p->save_every > 0 && step % p->save_every == 0) {
            st = rgtg_dist_check(save_checkpoint(&t, &opt, &order, step));
            free(last_checkpoint);
            if (st == RGTG_OK && asprintf(&last_checkpoint, "%s/checkpoint-%lld", p->out_dir, (long long)step) < 0)
                last_checkpoint = NULL;
        }
        if (st == RGTG_OK && p->eval_every > 0 && step % p->eval_every == 0 && step < p->max_steps) {
            if (t.rank == 0) st = evaluate(&t, held, n_held, result);
            if (st == RGTG_OK) write_eval_metrics(metrics, step, p, result);
            st = rgtg_dist_check(st); /* evaluation ran on rank 0 alone */
        }
    }
    if (bar) rgtg_progress_finish(bar);
    result->tokens_per_s = train_seconds > 0 ? tokens_total / train_seconds : 0;
    result->examples_per_s = train_seconds > 0 ? examples_total / train_seconds : 0;
    result->prefix_pairs_per_s = train_seconds > 0 ? prefix_pairs_total / train_seconds : 0;
    if (st == RGTG_OK && result->interrupted && stop_requested) {
        st = rgtg_error_set(RGTG_ERR_INTERRUPTED, "interrupted at step %lld: checkpoint written to %s/checkpoint-%lld; "
                            "continue with the same command and --resume auto",
                            (long long)step, p->out_dir, (long long)step);
    } else if (st == RGTG_OK && result->interrupted) {
        rgtg_log_info("stopped after %lld steps (train.stop_after): checkpoint written to %s/checkpoint-%lld; "
                      "continue with the same command and --resume auto",
                      (long long)(step - start_step), p->out_dir, (long long)step);
    } else if (st == RGTG_OK && t.rank == 0) {
        st = evaluate(&t, held, n_held, result);
        /* resuming a finished run evaluates the same weights again: one row of it is enough */
        if (st == RGTG_OK && !(step == start_step && eval_at_start)) write_eval_metrics(metrics, step, p, result);
        if (st == RGTG_OK && p->save_every > 0 && step % p->save_every != 0) st = save_checkpoint(&t, &opt, &order, step);
        if (st == RGTG_OK) st = save_final(p, t.model);
    }
    st = rgtg_dist_check(st);
    if (metrics) fclose(metrics);
    rgtg_output_unlock(lock); /* and removes OUT when this run created it and wrote nothing */
    free(last_checkpoint);
    free(step_examples), free(batches), free(grads), free(order.perm), free(all), free(held), free(t.reference_logp);
    rgtg_optim_free(&opt);
    rgtg_model_free(t.model);
    rgtg_model_free(t.reference);
    rgtg_value_examples_free(t.values, t.value_count);
    rgtg_prefs_close(t.data);
    return st;
}
