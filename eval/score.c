/* eval/score.c: reward scoring of generations under one or several reward models (see score.h). */
#define _POSIX_C_SOURCE 200809L
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model_dir.h"
#include "stats.h"

rgtg_score_params_t rgtg_score_default_params(void) {
    return (rgtg_score_params_t){.batch = 32, .threads = 2};
}

/* One reward model as the pass over the rows sees it. */
typedef struct {
    const rgtg_model_t *rm;
    const rgtg_tokenizer_t *tok;
    int eos;
    int64_t max_len, vocab;
    const bool *reuse;         /* per row: the response is its own token ids; NULL: encode every text */
    const int32_t *last_prompt_ids; /* the previous row's prompt, encoded (rows of one prompt come together) */
    const char *last_prompt;
    size_t last_prompt_len;
} scorer_t;

/* The prompt's ids, encoded once for consecutive rows of the same prompt (decode --n S). */
static rgtg_status_t prompt_ids(scorer_t *s, const char *prompt, int32_t **cache, size_t *n) {
    if (s->last_prompt && !strcmp(s->last_prompt, prompt)) return *n = s->last_prompt_len, RGTG_OK;
    free(*cache);
    *cache = NULL;
    s->last_prompt = NULL;
    rgtg_status_t st = rgtg_tokenizer_encode(s->tok, prompt, strlen(prompt), cache, n);
    if (st == RGTG_OK) s->last_prompt = prompt, s->last_prompt_len = *n, s->last_prompt_ids = *cache;
    return st;
}

/* prompt ids + response ids (the row's own, or its text encoded, + EOS when finished) or reference
 * ids + EOS, cut from the left to max_len. */
static rgtg_status_t encode_row(scorer_t *s, const rgtg_generation_t *g, size_t row, bool reference, int32_t **cache,
                                int64_t **ids_out, int64_t *len_out) {
    int32_t *text_ids = NULL;
    size_t np = 0, nr = 0;
    bool reuse = !reference && s->reuse && s->reuse[row];
    rgtg_status_t st = prompt_ids(s, g->prompt, cache, &np);
    const char *text = reference ? g->reference : g->response;
    if (st == RGTG_OK && !reuse) st = rgtg_tokenizer_encode(s->tok, text, strlen(text), &text_ids, &nr);
    if (reuse) nr = g->token_count;
    const int32_t *response = reuse ? g->tokens : text_ids;
    bool eos = !reuse && (reference || g->finished); /* reused ids already end with EOS when finished */
    int64_t total = (int64_t)(np + nr) + (eos ? 1 : 0);
    int64_t skip = total > s->max_len ? total - s->max_len : 0; /* keep the end: the reward is read there */
    int64_t *ids = st == RGTG_OK ? malloc(sizeof(int64_t) * (size_t)(total + 1)) : NULL;
    if (st == RGTG_OK && !ids) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t n = 0;
    for (size_t i = 0; st == RGTG_OK && i < np; i++) ids[n++] = s->last_prompt_ids[i];
    for (size_t i = 0; st == RGTG_OK && i < nr; i++) {
        if (response[i] < 0 || response[i] >= s->vocab)
            st = rgtg_error_set(RGTG_ERR_INVALID, "row %zu (id %lld): token %d is outside the reward model's vocabulary "
                                "of %lld", row + 1, (long long)g->id, response[i], (long long)s->vocab);
        else ids[n++] = response[i];
    }
    if (st == RGTG_OK && eos) ids[n++] = s->eos;
    if (st == RGTG_OK && skip) memmove(ids, ids + skip, sizeof(int64_t) * (size_t)(n - skip));
    free(text_ids);
    if (st != RGTG_OK) free(ids), ids = NULL, n = skip = 0;
    *ids_out = ids;
    *len_out = n - skip;
    return st;
}

/* One batched pass over the rows: their responses, or their references (complete, so with EOS). */
static rgtg_status_t score_pass(scorer_t *s, const rgtg_generation_t *rows, size_t count, int64_t batch, bool references,
                                double *out) {
    int64_t **seqs = calloc(count + 1, sizeof *seqs), *lens = calloc(count + 1, sizeof *lens);
    float *rewards = calloc(count + 1, sizeof *rewards);
    int32_t *cache = NULL;
    s->last_prompt = NULL;
    rgtg_status_t st = seqs && lens && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        if (references && !rows[i].reference)
            st = rgtg_error_set(RGTG_ERR_INVALID, "row %zu (id %lld) has no reference to score", i + 1, (long long)rows[i].id);
        else st = encode_row(s, &rows[i], i, references, &cache, &seqs[i], &lens[i]);
    }
    if (st == RGTG_OK) st = rgtg_model_sequence_rewards(s->rm, (const int64_t *const *)seqs, lens, (int64_t)count, batch, rewards);
    for (size_t i = 0; st == RGTG_OK && i < count; i++) out[i] = rewards[i];
    for (size_t i = 0; seqs && i < count; i++) free(seqs[i]);
    free(seqs), free(lens), free(rewards), free(cache);
    return st;
}

static scorer_t scorer_for(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, const bool *reuse) {
    const rgtg_model_config_t *config = rgtg_model_config(rm);
    return (scorer_t){.rm = rm, .tok = tok, .eos = config->eos_token_id >= 0 ? config->eos_token_id : rgtg_tokenizer_eos_id(tok),
                      .max_len = config->max_position_embeddings, .vocab = config->vocab_size, .reuse = reuse};
}

rgtg_status_t rgtg_score_rows(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, rgtg_generation_t *rows, size_t count,
                              int64_t batch, bool reference) {
    scorer_t s = scorer_for(rm, tok, NULL);
    double *values = calloc(count + 1, sizeof *values);
    rgtg_status_t st = values ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = score_pass(&s, rows, count, batch < 1 ? 1 : batch, false, values);
    for (size_t i = 0; st == RGTG_OK && i < count; i++) rows[i].has_reward = true, rows[i].reward = values[i];
    if (st == RGTG_OK && reference) st = score_pass(&s, rows, count, batch < 1 ? 1 : batch, true, values);
    for (size_t i = 0; st == RGTG_OK && reference && i < count; i++)
        rows[i].has_reference_reward = true, rows[i].reference_reward = values[i];
    free(values);
    return st;
}

/* "[NAME=]DIR" into its name and directory (name: DIR's last part, or the one before a trailing "final",
 * cut to 48 bytes, other characters than letters, digits, '.', '_', '-' made '_'). */
static rgtg_status_t parse_rm(const char *spec, char name[64], const char **dir) {
    const char *eq = strchr(spec, '=');
    bool named = eq && eq != spec && !memchr(spec, '/', (size_t)(eq - spec));
    *dir = named ? eq + 1 : spec;
    if (named) {
        snprintf(name, 64, "%.*s", (int)(eq - spec), spec);
    } else {
        char parts[2][64] = {"", ""}; /* the last two parts of the path */
        for (const char *p = *dir; *p;) {
            size_t n = strcspn(p, "/");
            if (n) memcpy(parts[0], parts[1], 64), snprintf(parts[1], 64, "%.*s", (int)n, p);
            p += n + (p[n] == '/');
        }
        snprintf(name, 49, "%s", !strcmp(parts[1], "final") && parts[0][0] ? parts[0] : parts[1]);
        for (char *c = name; *c; c++) /* a derived name is made valid; a given one must be */
            if (!rgtg_gen_reward_name_valid((char[]){*c, '\0'})) *c = '_';
    }
    if (!rgtg_gen_reward_name_valid(name) || strlen(name) > 48)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: --rm %s: the reward name '%s' must be 1 to 48 letters, digits, '.', "
                              "'_' or '-' (give one: --rm NAME=DIR)", spec, name);
    return RGTG_OK;
}

/* Per row: whether the RM's tokenizer is the one in the directory of the row's LM (sha256 of the
 * tokenizer file each uses, each LM directory hashed once); rows without an LM on record, or whose LM directory
 * has no tokenizer any more, are encoded from their text. */
static rgtg_status_t reuse_flags(const rgtg_generation_t *rows, size_t count, const char *rm_tokenizer_sha, bool *reuse,
                                 size_t *reused) {
    const char *lm_paths[8] = {0};
    char lm_shas[8][65];
    int known = 0;
    *reused = 0;
    for (size_t i = 0; i < count; i++) {
        const char *lm = rows[i].models[RGTG_GEN_LM].path;
        reuse[i] = false;
        if (!lm) continue;
        int k = 0;
        while (k < known && strcmp(lm_paths[k], lm)) k++;
        char scratch[65];
        char *sha = k < known ? lm_shas[k] : k < 8 ? lm_shas[k] : scratch;
        if (k == known) {
            if (rgtg_tokenizer_file_sha256(lm, sha) != RGTG_OK) sha[0] = '\0', rgtg_error_clear();
            if (k < 8) lm_paths[known++] = lm;
        }
        reuse[i] = sha[0] && !strcmp(sha, rm_tokenizer_sha);
        *reused += reuse[i];
    }
    return RGTG_OK;
}

/* Mean and SE of values. */
static rgtg_status_t summarize(const double *values, size_t count, rgtg_summary_t *out) {
    return rgtg_stats_summarize(values, count, out);
}

/* Scores every row under one reward model and records it as rewards.NAME (first: also reward). */
static rgtg_status_t score_with(const rgtg_score_params_t *p, const char *spec, bool first, rgtg_generation_t *rows,
                                size_t count, double *values, double *references, bool *reuse, rgtg_score_rm_result_t *r) {
    const char *dir = NULL;
    rgtg_status_t st = parse_rm(spec, r->name, &dir);
    rgtg_model_t *rm = NULL;
    rgtg_tokenizer_t *tok = NULL;
    char weights[65] = "", tokenizer[65] = "";
    if (st == RGTG_OK) st = rgtg_model_load_for(dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(dir, &tok);
    if (st == RGTG_OK) st = rgtg_model_weights_sha256(dir, weights);
    if (st == RGTG_OK) st = rgtg_tokenizer_file_sha256(dir, tokenizer);
    if (st == RGTG_OK && p->retokenize) memset(reuse, 0, sizeof *reuse * count), r->reused = 0;
    else if (st == RGTG_OK) st = reuse_flags(rows, count, tokenizer, reuse, &r->reused);
    r->retokenized = count - r->reused;
    scorer_t s = st == RGTG_OK ? scorer_for(rm, tok, reuse) : (scorer_t){0};
    if (st == RGTG_OK) st = score_pass(&s, rows, count, p->batch, false, values);
    if (st == RGTG_OK && p->reference) st = score_pass(&s, rows, count, p->batch, true, references);
    if (st != RGTG_OK) { /* name the file the rows came from */
        char message[512];
        snprintf(message, sizeof message, "%s", rgtg_error_message());
        rgtg_error_clear();
        rgtg_error_set(st, "%s: %s", p->gens, message);
    }
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        rgtg_generation_t *g = &rows[i];
        const rgtg_gen_reward_t *old = rgtg_gen_find_reward(g, r->name);
        /* a reference reward stays only while it is this same model's */
        bool keep = !p->reference && old && old->has_reference_reward && !strcmp(old->sha256, weights);
        rgtg_gen_reward_t entry = {.name = r->name, .path = (char *)dir, .sha256 = weights, .reward = values[i],
                                   .has_reference_reward = p->reference || keep,
                                   .reference_reward = p->reference ? references[i] : keep ? old->reference_reward : 0};
        st = rgtg_gen_set_reward(g, &entry);
        if (st != RGTG_OK || !first) continue;
        g->has_reward = true, g->reward = entry.reward;
        g->has_reference_reward = entry.has_reference_reward, g->reference_reward = entry.reference_reward;
        free(g->reward_name);
        if (!(g->reward_name = strdup(r->name))) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    rgtg_summary_t summary = {0}, reference = {.mean = NAN};
    if (st == RGTG_OK) st = summarize(values, count, &summary);
    if (st == RGTG_OK && p->reference) st = summarize(references, count, &reference);
    r->mean = summary.mean, r->se = summary.se, r->reference_mean = reference.mean;
    rgtg_model_free(rm);
    rgtg_tokenizer_free(tok);
    return st;
}

rgtg_status_t rgtg_score_file(const rgtg_score_params_t *p, rgtg_score_result_t *result) {
    memset(result, 0, sizeof *result);
    if (p->rm_count < 1 || !p->gens)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: a reward model and a generations file are required");
    if (p->rm_count > RGTG_SCORE_MAX_RMS)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: %d reward models (at most %d in one pass)", p->rm_count,
                              RGTG_SCORE_MAX_RMS);
    if (p->batch < 1 || p->threads < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: --batch and --threads must be >= 1 (got %lld and %d)",
                              (long long)p->batch, p->threads);
    for (int k = 0; k < p->rm_count; k++) { /* every name checked before any model is loaded */
        const char *dir;
        char name[64], other[64];
        rgtg_status_t st = parse_rm(p->rms[k], name, &dir);
        for (int j = 0; st == RGTG_OK && j < k; j++)
            if (parse_rm(p->rms[j], other, &dir) == RGTG_OK && !strcmp(name, other))
                st = rgtg_error_set(RGTG_ERR_INVALID, "score: --rm %s and --rm %s both name the reward '%s' (give "
                                    "--rm NAME=DIR)", p->rms[j], p->rms[k], name);
        if (st != RGTG_OK) return st;
    }
    tt_set_num_threads(p->threads);
    rgtg_generation_t *rows = NULL;
    size_t count = 0;
    rgtg_status_t st = rgtg_gen_read(p->gens, &rows, &count);
    double *values = st == RGTG_OK ? calloc(count + 1, sizeof *values) : NULL;
    double *references = st == RGTG_OK ? calloc(count + 1, sizeof *references) : NULL;
    bool *reuse = st == RGTG_OK ? calloc(count + 1, sizeof *reuse) : NULL;
    if (st == RGTG_OK && (!values || !references || !reuse)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int k = 0; st == RGTG_OK && k < p->rm_count; k++)
        st = score_with(p, p->rms[k], k == 0, rows, count, values, references, reuse, &result->rms[k]);
    if (st == RGTG_OK) st = rgtg_gen_write_all(p->out ? p->out : p->gens, rows, count);
    if (st == RGTG_OK) {
        result->count = count, result->rm_count = p->rm_count;
        result->mean = result->rms[0].mean, result->se = result->rms[0].se;
        result->reference_mean = result->rms[0].reference_mean;
    }
    free(values), free(references), free(reuse);
    rgtg_gen_free(rows, count);
    return st;
}
