/* decode/engine.c: the cached decoding loop with candidate scoring, and the no-cache reference. */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/rng.h"

rgtg_decode_params_t rgtg_decode_default_params(void) {
    return (rgtg_decode_params_t){
        .max_new_tokens = 64, .batch_size = 16, .eos_id = 2, .bos_id = -1, .use_cache = true, .seed = 1,
    };
}

void rgtg_decode_params_use_model(rgtg_decode_params_t *params, const rgtg_model_config_t *lm, int token_count,
                                  int32_t stops[1 + RGTG_MAX_EXTRA_EOS]) {
    int n = rgtg_model_config_stop_ids(lm, stops);
    params->eos_id = n > 0 ? stops[0] : -1;
    params->stop_ids = n > 1 ? stops + 1 : NULL;
    params->stop_count = n > 1 ? n - 1 : 0;
    params->bos_id = rgtg_model_config_bos_to_prepend(lm);
    params->token_count = token_count;
}

static bool is_stop(const rgtg_decode_params_t *p, int64_t token) {
    if (token == p->eos_id) return true;
    for (int i = 0; i < p->stop_count; i++)
        if (token == p->stop_ids[i]) return true;
    return false;
}

void rgtg_decoded_free(rgtg_decoded_t *row) {
    if (!row) return;
    free(row->tokens);
    row->tokens = NULL;
    row->count = 0;
}

/* State of one batch: rows still running map to their batch row through row_of[]. */
typedef struct {
    const rgtg_method_t *method;
    const rgtg_decode_params_t *params;
    int64_t rows, k, first; /* rows in the batch; candidates per row; index of the batch's first input row */
    bool guided;
    rgtg_rng_t *rngs;       /* one stream per batch row */
    rgtg_decoded_t *out;    /* per batch row */
    float *logprob, *score, *weights;
    int64_t *cand_ids, *chosen;
    double *uniform;
    int64_t step;
} batch_t;

/* Adds the time since *since to *slot (when profiling) and restarts the clock. */
static void lap(const batch_t *b, double *slot, double *since) {
    if (!b->params->profile) return;
    double now = rgtg_now_seconds();
    *slot += now - *since;
    *since = now;
}

static int64_t row_id(const batch_t *b, int64_t row) {
    int64_t input = b->first + row;
    return b->params->ids ? b->params->ids[input] : input;
}

static rgtg_status_t push_token(rgtg_decoded_t *row, int32_t token) {
    int32_t *grown = realloc(row->tokens, sizeof(int32_t) * (size_t)(row->count + 1));
    if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    row->tokens = grown;
    row->tokens[row->count++] = token;
    return RGTG_OK;
}

/* The LM's k most likely next tokens of each live row (log-probabilities over the full vocabulary),
 * to host arrays; *ids_out keeps them on the device for the guide. */
static rgtg_status_t lm_candidates(batch_t *b, tt_t logits, int64_t live, tt_t *ids_out) {
    tt_t values, indices;
    tt_t scores = tt_to(logits, TT_F32, tt_device(logits));
    int64_t vocab = tt_size(scores, -1), tokens = b->params->token_count;
    if (tokens > 0 && tokens < vocab) /* ids the tokenizer cannot decode: probability 0 */
        scores = tt_masked_fill(scores, tt_gt_scalar(tt_arange(0, vocab, TT_I64, tt_device(scores)), (double)tokens - 0.5),
                                -INFINITY);
    tt_t logprob = tt_log_softmax(scores, -1);
    rgtg_status_t st = tt_topk(logprob, b->k, &values, &indices);
    if (st == RGTG_OK) st = tt_to_host(values, TT_F32, b->logprob, sizeof(float) * (size_t)(live * b->k));
    if (st == RGTG_OK) st = tt_to_host(indices, TT_I64, b->cand_ids, sizeof(int64_t) * (size_t)(live * b->k));
    *ids_out = indices;
    return st;
}

/* Weighs and picks a candidate for each live row; row_of[i] is the batch row of live row i. */
static rgtg_status_t draw(batch_t *b, const int64_t *row_of, int64_t live) {
    for (int64_t i = 0; i < live; i++) b->uniform[i] = rgtg_rng_uniform(&b->rngs[row_of[i]]);
    const rgtg_method_def_t *def = b->method->def;
    def->weigh(b->method, b->logprob, b->guided ? b->score : NULL, live, b->k, b->weights);
    rgtg_status_t st = def->choose(b->method, b->weights, live, b->k, b->uniform, b->chosen);
    if (st != RGTG_OK) {
        /* name the prompt and the step: choose marks the failing row with -1 */
        char reason[512];
        snprintf(reason, sizeof reason, "%s", rgtg_error_message());
        rgtg_error_clear();
        int64_t bad = 0;
        while (bad < live - 1 && b->chosen[bad] >= 0) bad++;
        return rgtg_error_set(st, "decode: method %s, prompt id %lld, step %lld: %s (a model gave a non-finite "
                              "log-probability or score)", def->name, (long long)row_id(b, row_of[bad]),
                              (long long)b->step, reason);
    }
    if (b->params->observe) {
        rgtg_decode_step_t s = {
            .step = b->step, .rows = live, .k = b->k, .row_of = row_of, .cand_ids = b->cand_ids,
            .logprob = b->logprob, .score = b->guided ? b->score : NULL, .weights = b->weights, .chosen = b->chosen,
        };
        b->params->observe(b->params->observe_ctx, &s);
    }
    return RGTG_OK;
}

/* Records the drawn tokens; keep[] receives the live rows that go on (kept of them). */
static rgtg_status_t record(batch_t *b, const int64_t *row_of, int64_t live, int64_t *keep, int64_t *kept_out,
                            int64_t *next_tokens) {
    int64_t kept = 0;
    for (int64_t i = 0; i < live; i++) {
        int64_t token = b->cand_ids[i * b->k + b->chosen[i]];
        rgtg_decoded_t *row = &b->out[row_of[i]];
        rgtg_status_t st = push_token(row, (int32_t)token);
        if (st != RGTG_OK) return st;
        if (is_stop(b->params, token)) row->finished = true;
        if (!row->finished && row->count < b->params->max_new_tokens) {
            next_tokens[kept] = token;
            keep[kept++] = i;
        }
    }
    *kept_out = kept;
    return RGTG_OK;
}

static rgtg_status_t decode_batch_cached(const rgtg_model_t *lm, const rgtg_model_t *guide, batch_t *b,
                                         const int32_t *const *prompts, const int64_t *lengths) {
    int64_t rows = b->rows, longest = 0;
    for (int64_t r = 0; r < rows; r++) longest = lengths[r] > longest ? lengths[r] : longest;
    int64_t capacity = longest + b->params->max_new_tokens;
    /* left-padded prompts */
    int64_t *ids = calloc((size_t)(rows * longest), sizeof(int64_t));
    int64_t *mask = calloc((size_t)(rows * longest), sizeof(int64_t));
    int64_t *row_of = malloc(sizeof(int64_t) * (size_t)rows), *keep = malloc(sizeof(int64_t) * (size_t)rows);
    int64_t *next_tokens = malloc(sizeof(int64_t) * (size_t)rows);
    rgtg_kv_cache_t *lm_cache = NULL, *guide_cache = NULL;
    tt_t logits = NULL;
    tt_device_t device = rgtg_model_device(lm);
    rgtg_status_t st = ids && mask && row_of && keep && next_tokens ? RGTG_OK
                                                                   : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t r = 0; st == RGTG_OK && r < rows; r++) {
        int64_t pad = longest - lengths[r];
        for (int64_t t = 0; t < lengths[r]; t++) {
            ids[r * longest + pad + t] = prompts[r][t];
            mask[r * longest + pad + t] = 1;
        }
        row_of[r] = r;
    }
    rgtg_decode_profile_t unused, *prof = b->params->profile ? b->params->profile : &unused;
    double clock = rgtg_now_seconds();
    size_t mark = tt_arena_mark();
    if (st == RGTG_OK) st = rgtg_kv_cache_create(lm, rows, capacity, &lm_cache);
    if (st == RGTG_OK && guide) st = rgtg_kv_cache_create(guide, rows, capacity, &guide_cache);
    if (st == RGTG_OK) {
        int64_t shape[2] = {rows, longest};
        tt_t ids_t = tt_from_host(ids, shape, 2, TT_I64, device);
        tt_t mask_t = tt_from_host(mask, shape, 2, TT_I64, device);
        logits = tt_keep(rgtg_model_prefill(lm, lm_cache, ids_t, mask_t));
        lap(b, &prof->lm, &clock);
        if (logits && guide && !rgtg_model_prefill(guide, guide_cache, ids_t, mask_t)) st = rgtg_error_status();
        lap(b, &prof->guide, &clock);
        if (!logits) st = rgtg_error_status();
        for (int64_t r = 0; r < rows; r++) b->out[r].lm_forwards++, b->out[r].rm_forwards += guide != NULL;
    }
    tt_arena_release(mark);
    int64_t live = rows;
    for (b->step = 0; st == RGTG_OK && live > 0; b->step++) {
        size_t step_mark = tt_arena_mark();
        tt_t cand;
        st = lm_candidates(b, logits, live, &cand);
        lap(b, &prof->candidates, &clock);
        if (st == RGTG_OK && guide) {
            tt_t scores = rgtg_model_score_candidates(guide, guide_cache, cand);
            st = scores ? tt_to_host(scores, TT_F32, b->score, sizeof(float) * (size_t)(live * b->k))
                        : rgtg_error_status();
            for (int64_t i = 0; i < live; i++) b->out[row_of[i]].rm_forwards++, b->out[row_of[i]].candidates_scored += b->k;
            lap(b, &prof->guide, &clock);
        }
        int64_t kept = 0;
        if (st == RGTG_OK) st = draw(b, row_of, live);
        if (st == RGTG_OK) st = record(b, row_of, live, keep, &kept, next_tokens);
        lap(b, &prof->choose, &clock);
        if (st == RGTG_OK && guide && kept > 0) st = rgtg_kv_cache_commit(guide_cache, b->chosen);
        if (st == RGTG_OK && kept > 0 && kept < live) {
            /* finished rows leave both caches before the next forward */
            st = rgtg_kv_cache_select_rows(lm_cache, keep, kept);
            if (st == RGTG_OK && guide) st = rgtg_kv_cache_select_rows(guide_cache, keep, kept);
            for (int64_t i = 0; i < kept; i++) row_of[i] = row_of[keep[i]];
        }
        lap(b, &prof->cache, &clock);
        if (st == RGTG_OK && kept > 0) {
            int64_t shape[1] = {kept};
            tt_t next = tt_from_host(next_tokens, shape, 1, TT_I64, device);
            tt_t new_logits = tt_keep(rgtg_model_append(lm, lm_cache, next));
            if (!new_logits) st = rgtg_error_status();
            tt_free(logits);
            logits = new_logits;
            for (int64_t i = 0; i < kept; i++) b->out[row_of[i]].lm_forwards++;
        }
        lap(b, &prof->lm, &clock);
        live = kept;
        tt_arena_release(step_mark);
        lap(b, &prof->release, &clock);
    }
    tt_free(logits);
    rgtg_kv_cache_free(lm_cache);
    rgtg_kv_cache_free(guide_cache);
    free(ids), free(mask), free(row_of), free(keep), free(next_tokens);
    return st;
}

/* The reference: every step runs the LM over prompt + generated tokens from scratch, and the guide
 * over each candidate continuation separately. One row at a time, so no padding is involved. */
static rgtg_status_t decode_row_reference(const rgtg_model_t *lm, const rgtg_model_t *guide, batch_t *b,
                                          int64_t row, const int32_t *prompt, int64_t length) {
    int64_t capacity = length + b->params->max_new_tokens + 1;
    int64_t *seq = malloc(sizeof(int64_t) * (size_t)capacity);
    int64_t *cands = malloc(sizeof(int64_t) * (size_t)(capacity * b->k));
    if (!seq || !cands) {
        free(seq), free(cands);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    for (int64_t t = 0; t < length; t++) seq[t] = prompt[t];
    int64_t n = length, row_of = row, keep, kept = 1, next = 0;
    rgtg_decoded_t *out = &b->out[row];
    rgtg_status_t st = RGTG_OK;
    for (b->step = 0; st == RGTG_OK && kept == 1; b->step++) {
        size_t mark = tt_arena_mark();
        int64_t shape[2] = {1, n};
        tt_t logits = rgtg_model_forward(lm, tt_from_host(seq, shape, 2, TT_I64, rgtg_model_device(lm)), NULL);
        out->lm_forwards++;
        tt_t cand;
        st = logits ? lm_candidates(b, tt_select(logits, 1, n - 1), 1, &cand) : rgtg_error_status();
        if (st == RGTG_OK && guide) {
            /* k sequences prefix + candidate, each scored whole; the score is read at the candidate */
            for (int64_t j = 0; j < b->k; j++) {
                memcpy(cands + j * (n + 1), seq, sizeof(int64_t) * (size_t)n);
                cands[j * (n + 1) + n] = b->cand_ids[j];
            }
            int64_t cshape[2] = {b->k, n + 1};
            tt_t scores = rgtg_model_forward(guide, tt_from_host(cands, cshape, 2, TT_I64, rgtg_model_device(guide)), NULL);
            st = scores ? tt_to_host(tt_select(scores, 1, n), TT_F32, b->score, sizeof(float) * (size_t)b->k)
                        : rgtg_error_status();
            out->rm_forwards += b->k, out->candidates_scored += b->k;
        }
        if (st == RGTG_OK) st = draw(b, &row_of, 1);
        if (st == RGTG_OK) st = record(b, &row_of, 1, &keep, &kept, &next);
        if (st == RGTG_OK) seq[n++] = b->cand_ids[b->chosen[0]];
        tt_arena_release(mark);
    }
    free(seq), free(cands);
    return st;
}

rgtg_status_t rgtg_decode_check_positions(const rgtg_model_config_t *const *configs, const char *const *names,
                                          int model_count, int max_new_tokens, int bos_id,
                                          const int64_t *prompt_lengths, const int64_t *ids, int64_t count) {
    int64_t bos = bos_id >= 0 ? 1 : 0;
    for (int m = 0; m < model_count; m++) {
        int64_t limit = configs[m]->max_position_embeddings;
        if (max_new_tokens + bos + 1 > limit)
            return rgtg_error_set(RGTG_ERR_INVALID, "decode: max_new_tokens %d leaves no room for a prompt in %s "
                                  "(max_position_embeddings %lld)", max_new_tokens, names[m], (long long)limit);
        for (int64_t i = 0; i < count; i++)
            if (bos + prompt_lengths[i] + max_new_tokens > limit)
                return rgtg_error_set(RGTG_ERR_INVALID, "decode: prompt id %lld has %lld tokens%s; with max_new_tokens "
                                      "%d that is %lld positions, beyond the %lld (max_position_embeddings) of %s",
                                      (long long)(ids ? ids[i] : i), (long long)prompt_lengths[i],
                                      bos ? " after BOS" : "", max_new_tokens,
                                      (long long)(bos + prompt_lengths[i] + max_new_tokens), (long long)limit, names[m]);
        int64_t window = configs[m]->sliding_window;
        for (int64_t i = 0; window > 0 && i < count; i++)
            if (bos + prompt_lengths[i] + max_new_tokens > window)
                return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "decode: prompt id %lld with max_new_tokens %d spans %lld "
                                      "positions, beyond the sliding-window attention of %s (%lld tokens, config.json's "
                                      "sliding_window): rgtg computes full attention, which equals the window only "
                                      "within it", (long long)(ids ? ids[i] : i), max_new_tokens,
                                      (long long)(bos + prompt_lengths[i] + max_new_tokens), names[m], (long long)window);
    }
    return RGTG_OK;
}

static rgtg_status_t check_inputs(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *method,
                                  const rgtg_decode_params_t *params, const int64_t *prompt_lengths, int64_t count,
                                  int64_t *k_out) {
    bool wants_guide = method->def->needs == RGTG_NEEDS_GUIDE || method->def->needs == RGTG_NEEDS_VALUE;
    if (rgtg_model_config(lm)->head != RGTG_HEAD_LM)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: the language model has a score head (a reward model)");
    if (wants_guide != (guide != NULL))
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method '%s' %s", method->def->name,
                              wants_guide ? "needs a model to score its candidates" : "scores no candidates: give no guide");
    if (guide && rgtg_model_config(guide)->head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: the guide has a language-model head, not a score head");
    if (guide && rgtg_model_config(guide)->vocab_size != rgtg_model_config(lm)->vocab_size)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: the guide's vocabulary (%d) differs from the LM's (%d)",
                              rgtg_model_config(guide)->vocab_size, rgtg_model_config(lm)->vocab_size);
    if (params->token_count < 0 || params->token_count > rgtg_model_config(lm)->vocab_size)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: the tokenizer has %d tokens, more than the language model's "
                              "%d embedding rows", params->token_count, rgtg_model_config(lm)->vocab_size);
    if (params->max_new_tokens < 1 || params->batch_size < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: max_new_tokens (%d) and batch_size (%d) must be positive",
                              params->max_new_tokens, params->batch_size);
    for (int64_t i = 0; i < count; i++)
        if (prompt_lengths[i] < 1)
            return rgtg_error_set(RGTG_ERR_INVALID, "decode: prompt id %lld is empty",
                                  (long long)(params->ids ? params->ids[i] : i));
    const rgtg_model_config_t *configs[2] = {rgtg_model_config(lm), guide ? rgtg_model_config(guide) : NULL};
    const char *names[2] = {"the language model", "the guide"};
    rgtg_status_t st = rgtg_decode_check_positions(configs, names, guide ? 2 : 1, params->max_new_tokens,
                                                   params->bos_id, prompt_lengths, params->ids, count);
    if (st == RGTG_OK) st = rgtg_method_candidates(method, rgtg_model_config(lm)->vocab_size, k_out);
    return st;
}

static rgtg_status_t decode_prompts(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *method,
                                    const rgtg_decode_params_t *params, const int32_t *const *prompts,
                                    const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out, int64_t k) {
    int64_t batch = params->batch_size < count ? params->batch_size : count;
    batch_t b = {.method = method, .params = params, .k = k, .guided = guide != NULL};
    b.rngs = malloc(sizeof *b.rngs * (size_t)batch);
    b.logprob = malloc(sizeof(float) * (size_t)(batch * k));
    b.score = calloc((size_t)(batch * k), sizeof(float));
    b.weights = malloc(sizeof(float) * (size_t)(batch * k));
    b.cand_ids = malloc(sizeof(int64_t) * (size_t)(batch * k));
    b.chosen = malloc(sizeof(int64_t) * (size_t)batch);
    b.uniform = malloc(sizeof(double) * (size_t)batch);
    rgtg_status_t st = b.rngs && b.logprob && b.score && b.weights && b.cand_ids && b.chosen && b.uniform
                           ? RGTG_OK
                           : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    bool grad = tt_set_grad_enabled(false);
    for (int64_t start = 0; st == RGTG_OK && start < count; start += batch) {
        b.rows = count - start < batch ? count - start : batch;
        b.first = start;
        b.out = out + start;
        for (int64_t r = 0; r < b.rows; r++)
            rgtg_rng_seed(&b.rngs[r], params->seed, params->streams ? params->streams[start + r] : (uint64_t)(start + r));
        double began = rgtg_now_seconds();
        if (params->use_cache) {
            st = decode_batch_cached(lm, guide, &b, prompts + start, prompt_lengths + start);
        } else {
            for (int64_t r = 0; st == RGTG_OK && r < b.rows; r++)
                st = decode_row_reference(lm, guide, &b, r, prompts[start + r], prompt_lengths[start + r]);
        }
        double elapsed = rgtg_now_seconds() - began;
        int64_t tokens = 0;
        for (int64_t r = 0; r < b.rows; r++) tokens += b.out[r].count;
        for (int64_t r = 0; r < b.rows; r++)
            b.out[r].seconds = tokens ? elapsed * (double)b.out[r].count / (double)tokens : 0;
    }
    tt_set_grad_enabled(grad);
    free(b.rngs), free(b.logprob), free(b.score), free(b.weights), free(b.cand_ids), free(b.chosen), free(b.uniform);
    return st;
}

rgtg_status_t rgtg_decode(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *method,
                          const rgtg_decode_params_t *params, const int32_t *const *prompts,
                          const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out) {
    int64_t k = 0;
    rgtg_status_t st = check_inputs(lm, guide, method, params, prompt_lengths, count, &k);
    if (st != RGTG_OK) return st;
    memset(out, 0, sizeof *out * (size_t)count);
    if (count == 0) return RGTG_OK;
    /* BOS, then each prompt */
    const int32_t *const *inputs = prompts;
    const int64_t *lengths = prompt_lengths;
    int32_t **with_bos = NULL;
    int64_t *bos_lengths = NULL;
    if (params->bos_id >= 0) {
        with_bos = calloc((size_t)count, sizeof *with_bos);
        bos_lengths = calloc((size_t)count, sizeof *bos_lengths);
        if (!with_bos || !bos_lengths) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
            bos_lengths[i] = prompt_lengths[i] + 1;
            with_bos[i] = malloc(sizeof(int32_t) * (size_t)bos_lengths[i]);
            if (!with_bos[i]) {
                st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
                break;
            }
            with_bos[i][0] = params->bos_id;
            memcpy(with_bos[i] + 1, prompts[i], sizeof(int32_t) * (size_t)prompt_lengths[i]);
        }
        inputs = (const int32_t *const *)with_bos;
        lengths = bos_lengths;
    }
    if (st == RGTG_OK) st = decode_prompts(lm, guide, method, params, inputs, lengths, count, out, k);
    for (int64_t i = 0; with_bos && i < count; i++) free(with_bos[i]);
    free(with_bos), free(bos_lengths);
    if (st != RGTG_OK)
        for (int64_t i = 0; i < count; i++) rgtg_decoded_free(&out[i]);
    return st;
}
