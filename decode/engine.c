/* decode/engine.c: the cached decoding loop with candidate scoring, and the no-cache reference. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"

rgtg_decode_params_t rgtg_decode_default_params(void) {
    return (rgtg_decode_params_t){
        .top_k = 10, .max_new_tokens = 64, .batch_size = 16, .eos_id = 2, .bos_id = -1, .use_cache = true, .seed = 1,
    };
}

void rgtg_decoded_free(rgtg_decoded_t *row) {
    if (!row) return;
    free(row->tokens);
    row->tokens = NULL;
    row->count = 0;
}

/* State of one batch: rows still running map to their prompt index through live[]. */
typedef struct {
    const rgtg_strategy_t *strategy;
    const rgtg_decode_params_t *params;
    int64_t rows, k;
    rgtg_rng_t *rngs;     /* one stream per row */
    rgtg_decoded_t *out;  /* per row */
    float *logprob, *reward, *weights;
    int64_t *cand_ids, *chosen;
    double *uniform;
} batch_t;

static rgtg_status_t push_token(rgtg_decoded_t *row, int32_t token) {
    int32_t *grown = realloc(row->tokens, sizeof(int32_t) * (size_t)(row->count + 1));
    if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    row->tokens = grown;
    row->tokens[row->count++] = token;
    return RGTG_OK;
}

/* Top-k of the LM's next-token log-probabilities for the live rows, to host arrays. */
static rgtg_status_t lm_candidates(batch_t *b, tt_t logits, int64_t live, tt_t *ids_out) {
    tt_t values, indices;
    tt_t logprob = tt_log_softmax(tt_to(logits, TT_F32, tt_device(logits)), -1);
    rgtg_status_t st = tt_topk(logprob, b->k, &values, &indices);
    if (st == RGTG_OK) st = tt_to_host(values, TT_F32, b->logprob, sizeof(float) * (size_t)(live * b->k));
    if (st == RGTG_OK) st = tt_to_host(indices, TT_I64, b->cand_ids, sizeof(int64_t) * (size_t)(live * b->k));
    *ids_out = indices;
    return st;
}

/* Draws a candidate for each live row; row_of[i] is the batch row of live row i. */
static void draw(batch_t *b, const int64_t *row_of, int64_t live) {
    for (int64_t i = 0; i < live; i++) b->uniform[i] = rgtg_rng_uniform(&b->rngs[row_of[i]]);
    b->strategy->weigh(b->strategy, b->logprob, b->reward, live, b->k, b->weights);
    rgtg_strategy_choose(b->strategy, b->weights, live, b->k, b->uniform, b->chosen);
}

/* Records the drawn tokens; returns how many live rows go on, compacting row_of and keep[]. */
static rgtg_status_t record(batch_t *b, int64_t *row_of, int64_t live, int64_t *keep, int64_t *kept_out,
                            int64_t *next_tokens) {
    int64_t kept = 0;
    for (int64_t i = 0; i < live; i++) {
        int64_t token = b->cand_ids[i * b->k + b->chosen[i]];
        rgtg_decoded_t *row = &b->out[row_of[i]];
        rgtg_status_t st = push_token(row, (int32_t)token);
        if (st != RGTG_OK) return st;
        next_tokens[i] = token;
        if (token == b->params->eos_id) row->finished = true;
        if (!row->finished && row->count < b->params->max_new_tokens) keep[kept++] = i;
    }
    *kept_out = kept;
    return RGTG_OK;
}

static rgtg_status_t decode_batch_cached(const rgtg_model_t *lm, const rgtg_model_t *rm, batch_t *b,
                                         const int32_t *const *prompts, const int64_t *lengths) {
    int64_t rows = b->rows, longest = 0;
    for (int64_t r = 0; r < rows; r++) longest = lengths[r] > longest ? lengths[r] : longest;
    int64_t capacity = longest + b->params->max_new_tokens;
    /* left-padded prompts */
    int64_t *ids = calloc((size_t)(rows * longest), sizeof(int64_t));
    int64_t *mask = calloc((size_t)(rows * longest), sizeof(int64_t));
    int64_t *row_of = malloc(sizeof(int64_t) * (size_t)rows), *keep = malloc(sizeof(int64_t) * (size_t)rows);
    int64_t *next_tokens = malloc(sizeof(int64_t) * (size_t)rows);
    rgtg_kv_cache_t *lm_cache = NULL, *rm_cache = NULL;
    tt_t logits = NULL;
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
    size_t mark = tt_arena_mark();
    if (st == RGTG_OK) st = rgtg_kv_cache_create(lm, rows, capacity, &lm_cache);
    if (st == RGTG_OK && rm) st = rgtg_kv_cache_create(rm, rows, capacity, &rm_cache);
    if (st == RGTG_OK) {
        int64_t shape[2] = {rows, longest};
        tt_t ids_t = tt_from_host(ids, shape, 2, TT_I64, rgtg_model_device(lm));
        tt_t mask_t = tt_from_host(mask, shape, 2, TT_I64, rgtg_model_device(lm));
        logits = tt_keep(rgtg_model_prefill(lm, lm_cache, ids_t, mask_t));
        if (logits && rm && !rgtg_model_prefill(rm, rm_cache, ids_t, mask_t)) st = rgtg_error_status();
        if (!logits) st = rgtg_error_status();
    }
    tt_arena_release(mark);
    int64_t live = rows;
    while (st == RGTG_OK && live > 0) {
        size_t step_mark = tt_arena_mark();
        tt_t cand;
        st = lm_candidates(b, logits, live, &cand);
        if (st == RGTG_OK && rm) {
            tt_t rewards = rgtg_model_score_candidates(rm, rm_cache, cand);
            st = rewards ? tt_to_host(rewards, TT_F32, b->reward, sizeof(float) * (size_t)(live * b->k))
                         : rgtg_error_status();
        }
        int64_t kept = 0;
        if (st == RGTG_OK) {
            draw(b, row_of, live);
            st = record(b, row_of, live, keep, &kept, next_tokens);
        }
        if (st == RGTG_OK && kept > 0) {
            int64_t shape[1] = {live};
            tt_t next = tt_from_host(next_tokens, shape, 1, TT_I64, rgtg_model_device(lm));
            tt_t new_logits = tt_keep(rgtg_model_append(lm, lm_cache, next));
            if (!new_logits) st = rgtg_error_status();
            tt_free(logits);
            logits = new_logits;
            if (st == RGTG_OK && rm) st = rgtg_kv_cache_commit(rm_cache, b->chosen);
            if (st == RGTG_OK && kept < live) {
                /* drop finished rows from both caches and from the logits */
                st = rgtg_kv_cache_select_rows(lm_cache, keep, kept);
                if (st == RGTG_OK && rm) st = rgtg_kv_cache_select_rows(rm_cache, keep, kept);
                int64_t kshape[1] = {kept};
                tt_t index = tt_from_host(keep, kshape, 1, TT_I64, rgtg_model_device(lm));
                tt_t picked = tt_keep(tt_index_select(logits, 0, index));
                if (!picked && st == RGTG_OK) st = rgtg_error_status();
                tt_free(logits);
                logits = picked;
                for (int64_t i = 0; i < kept; i++) row_of[i] = row_of[keep[i]];
            }
        }
        live = kept;
        tt_arena_release(step_mark);
    }
    tt_free(logits);
    rgtg_kv_cache_free(lm_cache);
    rgtg_kv_cache_free(rm_cache);
    free(ids), free(mask), free(row_of), free(keep), free(next_tokens);
    return st;
}

/* The reference: every step runs the LM over prompt + generated tokens from scratch, and the RM over
 * each candidate continuation separately. One row at a time, so no padding is involved. */
static rgtg_status_t decode_row_reference(const rgtg_model_t *lm, const rgtg_model_t *rm, batch_t *b,
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
    rgtg_status_t st = RGTG_OK;
    while (st == RGTG_OK && kept == 1) {
        size_t mark = tt_arena_mark();
        int64_t shape[2] = {1, n};
        tt_t logits = rgtg_model_forward(lm, tt_from_host(seq, shape, 2, TT_I64, rgtg_model_device(lm)), NULL);
        tt_t cand;
        st = logits ? lm_candidates(b, tt_select(logits, 1, n - 1), 1, &cand) : rgtg_error_status();
        if (st == RGTG_OK && rm) {
            /* k sequences prefix + candidate, scored whole; the reward is read at the candidate */
            for (int64_t j = 0; j < b->k; j++) {
                memcpy(cands + j * (n + 1), seq, sizeof(int64_t) * (size_t)n);
                cands[j * (n + 1) + n] = b->cand_ids[j];
            }
            int64_t cshape[2] = {b->k, n + 1};
            tt_t rewards = rgtg_model_forward(rm, tt_from_host(cands, cshape, 2, TT_I64, rgtg_model_device(rm)), NULL);
            st = rewards ? tt_to_host(tt_select(rewards, 1, n), TT_F32, b->reward, sizeof(float) * (size_t)b->k)
                         : rgtg_error_status();
        }
        if (st == RGTG_OK) {
            draw(b, &row_of, 1);
            st = record(b, &row_of, 1, &keep, &kept, &next);
            seq[n++] = next;
        }
        tt_arena_release(mark);
    }
    free(seq), free(cands);
    return st;
}

static rgtg_status_t decode_prompts(const rgtg_model_t *lm, const rgtg_model_t *rm, const rgtg_strategy_t *strategy,
                                    const rgtg_decode_params_t *params, const int32_t *const *prompts,
                                    const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out);

rgtg_status_t rgtg_decode(const rgtg_model_t *lm, const rgtg_model_t *rm, const rgtg_strategy_t *strategy,
                          const rgtg_decode_params_t *params, const int32_t *const *prompts,
                          const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out) {
    if (params->bos_id < 0) return decode_prompts(lm, rm, strategy, params, prompts, prompt_lengths, count, out);
    /* BOS, then each prompt */
    int32_t **with_bos = calloc((size_t)count + 1, sizeof *with_bos);
    int64_t *lengths = calloc((size_t)count + 1, sizeof *lengths);
    rgtg_status_t st = with_bos && lengths ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
        lengths[i] = prompt_lengths[i] + 1;
        with_bos[i] = malloc(sizeof(int32_t) * (size_t)lengths[i]);
        if (!with_bos[i]) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        with_bos[i][0] = params->bos_id;
        memcpy(with_bos[i] + 1, prompts[i], sizeof(int32_t) * (size_t)prompt_lengths[i]);
    }
    if (st == RGTG_OK)
        st = decode_prompts(lm, rm, strategy, params, (const int32_t *const *)with_bos, lengths, count, out);
    for (int64_t i = 0; with_bos && i < count; i++) free(with_bos[i]);
    free(with_bos), free(lengths);
    return st;
}

static rgtg_status_t decode_prompts(const rgtg_model_t *lm, const rgtg_model_t *rm, const rgtg_strategy_t *strategy,
                                    const rgtg_decode_params_t *params, const int32_t *const *prompts,
                                    const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out) {
    if (strategy->needs_reward && !rm)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method '%s' needs a reward model", strategy->name);
    if (rm && rgtg_model_config(rm)->vocab_size != rgtg_model_config(lm)->vocab_size)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: the reward model's vocabulary (%d) differs from the LM's (%d)",
                              rgtg_model_config(rm)->vocab_size, rgtg_model_config(lm)->vocab_size);
    if (params->top_k < 1 || params->top_k > rgtg_model_config(lm)->vocab_size || params->max_new_tokens < 1 ||
        params->batch_size < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: top_k (%d), max_new_tokens (%d) and batch_size (%d) must be positive, top_k at most the vocabulary",
                              params->top_k, params->max_new_tokens, params->batch_size);
    for (int64_t i = 0; i < count; i++)
        if (prompt_lengths[i] < 1)
            return rgtg_error_set(RGTG_ERR_INVALID, "decode: prompt %lld is empty", (long long)i);
    memset(out, 0, sizeof *out * (size_t)count);
    const rgtg_model_t *guide = strategy->needs_reward ? rm : NULL;
    int64_t batch = params->batch_size, k = params->top_k;
    batch_t b = {.strategy = strategy, .params = params, .k = k};
    b.rngs = malloc(sizeof *b.rngs * (size_t)batch);
    b.logprob = malloc(sizeof(float) * (size_t)(batch * k));
    b.reward = calloc((size_t)(batch * k), sizeof(float));
    b.weights = malloc(sizeof(float) * (size_t)(batch * k));
    b.cand_ids = malloc(sizeof(int64_t) * (size_t)(batch * k));
    b.chosen = malloc(sizeof(int64_t) * (size_t)batch);
    b.uniform = malloc(sizeof(double) * (size_t)batch);
    rgtg_status_t st = b.rngs && b.logprob && b.reward && b.weights && b.cand_ids && b.chosen && b.uniform
                           ? RGTG_OK
                           : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    bool grad = tt_set_grad_enabled(false);
    for (int64_t start = 0; st == RGTG_OK && start < count; start += batch) {
        b.rows = count - start < batch ? count - start : batch;
        b.out = out + start;
        for (int64_t r = 0; r < b.rows; r++) rgtg_rng_seed(&b.rngs[r], params->seed, (uint64_t)(start + r));
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
    free(b.rngs), free(b.logprob), free(b.reward), free(b.weights), free(b.cand_ids), free(b.chosen), free(b.uniform);
    if (st != RGTG_OK)
        for (int64_t i = 0; i < count; i++) rgtg_decoded_free(&out[i]);
    return st;
}
