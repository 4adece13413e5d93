/* train/trainer.c: the training loop (see trainer.h): example lists, padded batches, steps, evaluation,
 * metrics and the final checkpoint. */
#include "trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/fsutil.h"
#include "../core/log.h"
#include "../core/progress.h"
#include "../core/rng.h"
#include "../data/prefs_h5.h"
#include "losses.h"

const char *rgtg_objective_name(rgtg_objective_t objective) {
    switch (objective) {
    case RGTG_OBJECTIVE_SFT: return "sft";
    case RGTG_OBJECTIVE_RM_FULL: return "full";
    case RGTG_OBJECTIVE_RM_PREFIX: return "prefix";
    }
    return "?";
}

rgtg_status_t rgtg_objective_parse(const char *kind, const char *name, rgtg_objective_t *out) {
    if (!strcmp(kind, "sft")) {
        *out = RGTG_OBJECTIVE_SFT;
        return RGTG_OK;
    }
    if (!strcmp(kind, "rm") && !strcmp(name, "full")) *out = RGTG_OBJECTIVE_RM_FULL;
    else if (!strcmp(kind, "rm") && !strcmp(name, "prefix")) *out = RGTG_OBJECTIVE_RM_PREFIX;
    else
        return rgtg_error_set(RGTG_ERR_INVALID, "train %s: unknown objective '%s' (known: full, prefix)", kind, name);
    return RGTG_OK;
}

rgtg_train_params_t rgtg_train_default_params(void) {
    return (rgtg_train_params_t){
        .objective = RGTG_OBJECTIVE_SFT,
        .model = rgtg_model_config_default(),
        .optim = rgtg_optim_default_params(),
        .max_steps = 200, .micro_batch = 16, .grad_accum = 1, .max_len = 128, .log_every = 10,
        .eval_every = 0, .eval_pairs = 256, .seed = 1, .threads = 2, .shard = 0, .shards = 1,
    };
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- batches */

/* Host-side padded batch: rows right-padded to the longest row. */
typedef struct {
    int64_t rows, width, tokens;
    int64_t *ids, *mask, *last;
    float *loss_mask;
} batch_t;

typedef struct {
    const int32_t *prompt;
    int64_t prompt_len;
    const int32_t *response;
    int64_t response_len;
} row_spec_t;

/* Fits prompt + response into max_len: the prompt loses tokens from the left, then the response
 * from the right. */
static void fit(row_spec_t *r, int64_t max_len) {
    int64_t over = r->prompt_len + r->response_len - max_len;
    if (over <= 0) return;
    int64_t from_prompt = over < r->prompt_len - 1 ? over : r->prompt_len - 1;
    r->prompt += from_prompt;
    r->prompt_len -= from_prompt;
    over -= from_prompt;
    if (over > 0) r->response_len -= over;
}

static rgtg_status_t batch_build(batch_t *b, const row_spec_t *specs, int64_t rows, int64_t max_len, int64_t pad) {
    int64_t width = 1;
    row_spec_t *fitted = malloc(sizeof *fitted * (size_t)rows);
    if (!fitted) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t r = 0; r < rows; r++) {
        fitted[r] = specs[r];
        fit(&fitted[r], max_len);
        int64_t len = fitted[r].prompt_len + fitted[r].response_len;
        if (len > width) width = len;
    }
    size_t cells = (size_t)(rows * width);
    b->ids = malloc(cells * sizeof(int64_t));
    b->mask = calloc(cells, sizeof(int64_t));
    b->loss_mask = calloc(cells, sizeof(float));
    b->last = malloc((size_t)rows * sizeof(int64_t));
    if (!b->ids || !b->mask || !b->loss_mask || !b->last) {
        free(fitted);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    b->rows = rows, b->width = width, b->tokens = 0;
    for (int64_t r = 0; r < rows; r++) {
        int64_t *ids = b->ids + r * width, *mask = b->mask + r * width;
        float *loss = b->loss_mask + r * width;
        const row_spec_t *s = &fitted[r];
        int64_t n = 0;
        for (int64_t t = 0; t < s->prompt_len; t++, n++) ids[n] = s->prompt[t], mask[n] = 1;
        for (int64_t t = 0; t < s->response_len; t++, n++) ids[n] = s->response[t], mask[n] = 1, loss[n] = 1;
        b->last[r] = n - 1;
        b->tokens += n;
        for (; n < width; n++) ids[n] = pad;
    }
    free(fitted);
    return RGTG_OK;
}

static void batch_free(batch_t *b) {
    free(b->ids), free(b->mask), free(b->loss_mask), free(b->last);
    memset(b, 0, sizeof *b);
}

/* One example: a pair id and, for prefix pairs, the prefix length (0: whole responses). */
typedef struct {
    int64_t pair;
    int32_t prefix_len;
} example_t;

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Row specs of an example: SFT gives one row, reward objectives two (preferred first). */
static rgtg_status_t example_rows(const rgtg_prefs_t *f, rgtg_objective_t objective, example_t e, row_spec_t *rows,
                                  int *count) {
    rgtg_pref_pair_t pair;
    rgtg_status_t st = rgtg_prefs_get(f, e.pair, &pair);
    if (st != RGTG_OK) return st;
    int64_t chosen_len = pair.chosen.len, rejected_len = pair.rejected.len;
    if (e.prefix_len > 0) {
        /* the prefix convention: first i tokens of each side; a shorter side is its whole response */
        chosen_len = min64(e.prefix_len, chosen_len);
        rejected_len = min64(e.prefix_len, rejected_len);
    }
    rows[0] = (row_spec_t){pair.prompt.ids, pair.prompt.len, pair.chosen.ids, chosen_len};
    *count = 1;
    if (objective != RGTG_OBJECTIVE_SFT) {
        rows[1] = (row_spec_t){pair.prompt.ids, pair.prompt.len, pair.rejected.ids, rejected_len};
        *count = 2;
    }
    return RGTG_OK;
}

static rgtg_status_t build_examples(const rgtg_prefs_t *f, rgtg_objective_t objective, int split, int shard,
                                    int shards, example_t **out, int64_t *count_out) {
    int64_t n = 0, cap;
    const int64_t *pair_ids = NULL;
    const int32_t *lens = NULL;
    if (objective == RGTG_OBJECTIVE_RM_PREFIX && split == RGTG_SPLIT_TRAIN) {
        if (!rgtg_prefs_info(f)->has_prefix)
            return rgtg_error_set(RGTG_ERR_INVALID,
                                  "the data file has no prefix pairs: run `rgtg data expand` (or use objective full)");
        rgtg_prefs_prefixes(f, split, &pair_ids, &lens, &cap);
    } else {
        pair_ids = rgtg_prefs_split_pairs(f, split, &cap);
    }
    example_t *examples = malloc(sizeof *examples * (size_t)(cap ? cap : 1));
    if (!examples) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < cap; i++) {
        if (pair_ids[i] % shards != shard) continue;
        examples[n++] = (example_t){pair_ids[i], lens ? lens[i] : 0};
    }
    *out = examples;
    *count_out = n;
    return RGTG_OK;
}

/* ---------------------------------------------------------------- steps */

typedef struct {
    const rgtg_train_params_t *params;
    const rgtg_prefs_t *data;
    rgtg_model_t *model;
    int64_t pad_id;
} trainer_t;

/* Forward and loss of one batch of examples; backward when train is set. */
static rgtg_status_t run_batch(trainer_t *t, const example_t *examples, int64_t n, bool train, double loss_scale,
                               double *loss_out, double *accuracy_out, int64_t *tokens_out) {
    row_spec_t *specs = malloc(sizeof *specs * (size_t)(2 * n));
    if (!specs) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t rows = 0;
    rgtg_status_t st = RGTG_OK;
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        int count;
        st = example_rows(t->data, t->params->objective, examples[i], specs + rows, &count);
        rows += count;
    }
    batch_t b = {0};
    if (st == RGTG_OK) st = batch_build(&b, specs, rows, t->params->max_len, t->pad_id);
    free(specs);
    if (st != RGTG_OK) {
        batch_free(&b);
        return st;
    }
    size_t mark = tt_arena_mark();
    tt_device_t dev = t->model->device;
    int64_t shape[2] = {b.rows, b.width}, rows_shape[1] = {b.rows};
    tt_t ids = tt_from_host(b.ids, shape, 2, TT_I64, dev);
    tt_t mask = tt_from_host(b.mask, shape, 2, TT_I64, dev);
    bool grad = tt_set_grad_enabled(train);
    tt_t out = rgtg_model_forward(t->model, ids, mask);
    tt_t loss;
    double accuracy = NAN;
    if (t->params->objective == RGTG_OBJECTIVE_SFT)
        loss = rgtg_loss_sft(out, ids, tt_from_host(b.loss_mask, shape, 2, TT_F32, dev));
    else
        loss = rgtg_loss_bradley_terry(out, tt_from_host(b.last, rows_shape, 1, TT_I64, dev), &accuracy);
    double value = loss ? tt_item(loss) : NAN;
    if (!loss) st = rgtg_error_status();
    else if (!isfinite(value)) st = rgtg_error_set(RGTG_ERR_NUMERIC, "the loss is %g", value);
    if (st == RGTG_OK && train) st = tt_backward(loss_scale == 1 ? loss : tt_mul_scalar(loss, loss_scale));
    tt_set_grad_enabled(grad);
    tt_arena_release(mark);
    *loss_out = value;
    if (accuracy_out) *accuracy_out = accuracy;
    if (tokens_out) *tokens_out = b.tokens;
    batch_free(&b);
    return st;
}

/* Held-out evaluation on the valid split (the test split when there is none): loss and, for reward
 * models, pairwise accuracy of complete responses and of prefixes cut at 25/50/75% of the longer one. */
static rgtg_status_t evaluate(trainer_t *t, rgtg_train_result_t *r) {
    int split = rgtg_prefs_count(t->data, RGTG_SPLIT_VALID) > 0 ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
    int64_t n;
    example_t *examples;
    rgtg_objective_t whole = t->params->objective == RGTG_OBJECTIVE_SFT ? RGTG_OBJECTIVE_SFT : RGTG_OBJECTIVE_RM_FULL;
    rgtg_status_t st = build_examples(t->data, whole, split, 0, 1, &examples, &n);
    if (st != RGTG_OK) return st;
    if (t->params->eval_pairs > 0 && n > t->params->eval_pairs) n = t->params->eval_pairs;
    static const double cuts[3] = {0.25, 0.5, 0.75};
    double loss_sum = 0, acc_sum[4] = {0};
    int64_t batches = 0, mb = t->params->micro_batch;
    for (int64_t start = 0; st == RGTG_OK && start < n; start += mb, batches++) {
        int64_t count = min64(mb, n - start);
        double loss, acc;
        st = run_batch(t, examples + start, count, false, 1, &loss, &acc, NULL);
        loss_sum += loss * (double)count;
        acc_sum[0] += acc * (double)count;
        if (whole == RGTG_OBJECTIVE_SFT) continue;
        for (int c = 0; st == RGTG_OK && c < 3; c++) {
            example_t cut[count];
            for (int64_t i = 0; i < count; i++) {
                int64_t longest = rgtg_prefs_max_prefix_len(t->data, examples[start + i].pair);
                int64_t len = (int64_t)ceil(cuts[c] * (double)longest);
                cut[i] = (example_t){examples[start + i].pair, (int32_t)(len < 1 ? 1 : len)};
            }
            st = run_batch(t, cut, count, false, 1, &loss, &acc, NULL);
            acc_sum[c + 1] += acc * (double)count;
        }
    }
    free(examples);
    if (st != RGTG_OK) return st;
    double denom = n > 0 ? (double)n : NAN;
    r->eval_loss = loss_sum / denom;
    r->eval_accuracy = whole == RGTG_OBJECTIVE_SFT ? NAN : acc_sum[0] / denom;
    for (int c = 0; c < 3; c++) r->eval_prefix_accuracy[c] = whole == RGTG_OBJECTIVE_SFT ? NAN : acc_sum[c + 1] / denom;
    return RGTG_OK;
}

static void write_eval_metrics(FILE *metrics, int64_t step, const rgtg_train_result_t *r, bool reward) {
    if (!metrics) return;
    if (reward)
        fprintf(metrics,
                "{\"step\": %lld, \"eval_loss\": %.6f, \"eval_accuracy\": %.4f, \"eval_prefix_accuracy_25\": %.4f, "
                "\"eval_prefix_accuracy_50\": %.4f, \"eval_prefix_accuracy_75\": %.4f}\n",
                (long long)step, r->eval_loss, r->eval_accuracy, r->eval_prefix_accuracy[0],
                r->eval_prefix_accuracy[1], r->eval_prefix_accuracy[2]);
    else
        fprintf(metrics, "{\"step\": %lld, \"eval_loss\": %.6f}\n", (long long)step, r->eval_loss);
    fflush(metrics);
}

/* ---------------------------------------------------------------- the run */

static rgtg_status_t make_model(const rgtg_train_params_t *p, const rgtg_prefs_info_t *info, rgtg_model_t **out) {
    rgtg_model_config_t config = p->model;
    config.vocab_size = info->vocab_size;
    config.eos_token_id = info->eos_id;
    config.pad_token_id = info->pad_id;
    config.head = p->objective == RGTG_OBJECTIVE_SFT ? RGTG_HEAD_LM : RGTG_HEAD_SCORE;
    if (!p->init) return rgtg_model_create(&config, p->seed, TT_CPU, out);
    rgtg_model_t *init;
    rgtg_status_t st = rgtg_model_load(p->init, TT_CPU, &init);
    if (st != RGTG_OK) return st;
    if (init->config.head == config.head) {
        *out = init;
        return RGTG_OK;
    }
    /* a reward model from a language model: the same body, a fresh head */
    rgtg_model_config_t body = init->config;
    body.head = config.head;
    body.tie_word_embeddings = false;
    rgtg_model_t *fresh;
    st = rgtg_model_create(&body, p->seed, TT_CPU, &fresh);
    for (int i = 0; st == RGTG_OK && i < fresh->param_count; i++) {
        tt_t src = rgtg_model_param(init, fresh->param_names[i]);
        if (src) st = tt_copy_(*fresh->params[i], src);
    }
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
    char hex[65];
    rgtg_status_t st = rgtg_sha256_file(p->tokenizer_path, hex);
    if (st != RGTG_OK) return st;
    if (info->tokenizer_sha256[0] && strcmp(hex, info->tokenizer_sha256) != 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: tokenizer sha256 %.12s... differs from the one %s was built with (%.12s...)",
                              p->tokenizer_path, hex, p->data_path, info->tokenizer_sha256);
    return RGTG_OK;
}

static rgtg_status_t save_final(const rgtg_train_params_t *p, const rgtg_model_t *model) {
    char *dir = rgtg_path_join(p->out_dir, "final");
    if (!dir) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_status_t st = rgtg_model_save(model, dir);
    if (st == RGTG_OK && p->tokenizer_path) {
        char *data, *dst = rgtg_path_join(dir, "tokenizer.model");
        size_t size;
        st = rgtg_read_file(p->tokenizer_path, &data, &size);
        if (st == RGTG_OK) st = rgtg_write_file_atomic(dst, data, size);
        if (st == RGTG_OK) free(data);
        free(dst);
    }
    free(dir);
    return st;
}

rgtg_status_t rgtg_train_run(const rgtg_train_params_t *p, rgtg_train_result_t *result) {
    memset(result, 0, sizeof *result);
    if (p->max_steps < 1 || p->micro_batch < 1 || p->grad_accum < 1 || p->max_len < 2 || p->shards < 1 ||
        p->shard < 0 || p->shard >= p->shards)
        return rgtg_error_set(RGTG_ERR_INVALID, "train: max_steps, micro_batch, grad_accum must be >= 1, max_len >= 2, 0 <= shard < shards");
    tt_set_num_threads(p->threads);
    rgtg_prefs_t *data;
    rgtg_status_t st = rgtg_prefs_open(p->data_path, &data);
    if (st != RGTG_OK) return st;
    const rgtg_prefs_info_t *info = rgtg_prefs_info(data);
    rgtg_model_t *model = NULL;
    example_t *examples = NULL;
    int64_t n_examples = 0;
    FILE *metrics = NULL;
    rgtg_optim_t opt = {0};
    st = check_tokenizer(p, info);
    if (st == RGTG_OK) st = build_examples(data, p->objective, RGTG_SPLIT_TRAIN, p->shard, p->shards, &examples, &n_examples);
    if (st == RGTG_OK && n_examples == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no training examples", p->data_path);
    if (st == RGTG_OK) st = make_model(p, info, &model);
    if (st == RGTG_OK) st = rgtg_optim_init(&opt, model, &p->optim);
    if (st == RGTG_OK) st = rgtg_mkdirs(p->out_dir);
    char *metrics_path = rgtg_path_join(p->out_dir, "metrics.jsonl");
    if (st == RGTG_OK && !(metrics = fopen(metrics_path, "w")))
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write", metrics_path);
    free(metrics_path);
    result->examples = n_examples;
    for (int i = 0; st == RGTG_OK && i < model->param_count; i++) st = tt_set_requires_grad(*model->params[i], true);

    trainer_t t = {.params = p, .data = data, .model = model, .pad_id = info->pad_id >= 0 ? info->pad_id : 0};
    rgtg_rng_t order;
    rgtg_rng_seed(&order, p->seed, 0xDA7A);
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(n_examples ? n_examples : 1));
    example_t *picked = malloc(sizeof(example_t) * (size_t)p->micro_batch);
    if (st == RGTG_OK && (!perm || !picked)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t cursor = n_examples; /* forces a shuffle before the first batch */
    rgtg_progress_t *bar = st == RGTG_OK && !p->quiet ? rgtg_progress_start(rgtg_objective_name(p->objective), p->max_steps) : NULL;
    double started = now_seconds(), tokens_total = 0, train_seconds = 0;
    bool reward = p->objective != RGTG_OBJECTIVE_SFT;
    for (int64_t step = 1; st == RGTG_OK && step <= p->max_steps; step++) {
        double step_start = now_seconds(), loss_sum = 0, acc_sum = 0;
        int64_t step_tokens = 0;
        for (int64_t micro = 0; st == RGTG_OK && micro < p->grad_accum; micro++) {
            for (int64_t i = 0; i < p->micro_batch; i++) {
                if (cursor == n_examples) {
                    for (int64_t j = 0; j < n_examples; j++) perm[j] = j;
                    rgtg_rng_shuffle(&order, perm, n_examples);
                    cursor = 0;
                }
                picked[i] = examples[perm[cursor++]];
            }
            double loss, acc;
            int64_t tokens;
            st = run_batch(&t, picked, p->micro_batch, true, 1.0 / (double)p->grad_accum, &loss, &acc, &tokens);
            loss_sum += loss, acc_sum += acc, step_tokens += tokens;
        }
        double lr = 0, norm = 0;
        if (st == RGTG_OK) st = rgtg_optim_step(&opt, model, &lr, &norm);
        double elapsed = now_seconds() - step_start;
        train_seconds += elapsed;
        tokens_total += (double)step_tokens;
        result->final_loss = loss_sum / (double)p->grad_accum;
        if (st == RGTG_OK && (step % p->log_every == 0 || step == p->max_steps)) {
            fprintf(metrics, "{\"step\": %lld, \"loss\": %.6f, \"lr\": %.6g, \"grad_norm\": %.4f, \"tokens_per_s\": %.1f",
                    (long long)step, result->final_loss, lr, norm, tokens_total / train_seconds);
            if (reward) fprintf(metrics, ", \"accuracy\": %.4f", acc_sum / (double)p->grad_accum);
            fprintf(metrics, "}\n");
            fflush(metrics);
        }
        if (bar) {
            if (reward)
                rgtg_progress_update(bar, step, "loss %.4f acc %.2f %.0f tok/s", result->final_loss,
                                     acc_sum / (double)p->grad_accum, tokens_total / train_seconds);
            else
                rgtg_progress_update(bar, step, "loss %.4f %.0f tok/s", result->final_loss, tokens_total / train_seconds);
        }
        if (st == RGTG_OK && p->eval_every > 0 && step % p->eval_every == 0 && step < p->max_steps) {
            st = evaluate(&t, result);
            write_eval_metrics(metrics, step, result, reward);
        }
    }
    if (bar) rgtg_progress_finish(bar);
    result->tokens_per_s = train_seconds > 0 ? tokens_total / train_seconds : 0;
    if (st == RGTG_OK) st = evaluate(&t, result);
    if (st == RGTG_OK) write_eval_metrics(metrics, p->max_steps, result, reward);
    if (st == RGTG_OK) st = save_final(p, model);
    if (st == RGTG_OK)
        rgtg_log_info("trained %s for %lld steps in %.1f s (%.0f tokens/s)", rgtg_objective_name(p->objective),
                      (long long)p->max_steps, now_seconds() - started, result->tokens_per_s);
    if (metrics) fclose(metrics);
    free(perm), free(picked), free(examples);
    rgtg_optim_free(&opt);
    rgtg_model_free(model);
    rgtg_prefs_close(data);
    return st;
}
