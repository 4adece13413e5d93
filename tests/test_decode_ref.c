/* tests/test_decode_ref.c: the C side of the decoding reference test (tests/reference/decode_ref.py
 * checks what this writes). Usage:
 *   test_decode_ref steps DIR OUT.json   PARGS over DIR/prompts.json with DIR/lm and DIR/rm (cached engine,
 *                                        batched), recording every step's candidates and weights
 *   test_decode_ref freq DIR OUT.json    many seeded one-token draws of pargs and topp for one prompt,
 *                                        counted per token */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../decode/engine.h"

#define STEPS_K 6
#define STEPS_BETA 1.5
#define DRAWS 20000

typedef struct {
    int32_t prompts[8][16];
    int64_t lengths[8];
    int count;
    int bos;
} prompts_t;

static int load_prompts(const char *dir, prompts_t *out) {
    char path[1024];
    snprintf(path, sizeof path, "%s/prompts.json", dir);
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error), *list = json_object_get(root, "prompts");
    if (!json_is_array(list)) {
        fprintf(stderr, "%s: %s\n", path, error.text);
        return 0;
    }
    out->count = (int)json_array_size(list);
    out->bos = (int)json_integer_value(json_object_get(root, "bos"));
    for (int i = 0; i < out->count && i < 8; i++) {
        json_t *p = json_array_get(list, (size_t)i);
        out->lengths[i] = (int64_t)json_array_size(p);
        for (int64_t t = 0; t < out->lengths[i] && t < 16; t++)
            out->prompts[i][t] = (int32_t)json_integer_value(json_array_get(p, (size_t)t));
    }
    json_decref(root);
    return out->count > 0;
}

static int load_models(const char *dir, rgtg_model_t **lm, rgtg_model_t **rm) {
    char path[1024];
    snprintf(path, sizeof path, "%s/lm", dir);
    if (rgtg_model_load(path, TT_CPU, lm) != RGTG_OK) return fprintf(stderr, "%s\n", rgtg_error_message()), 0;
    snprintf(path, sizeof path, "%s/rm", dir);
    if (rgtg_model_load(path, TT_CPU, rm) != RGTG_OK) return fprintf(stderr, "%s\n", rgtg_error_message()), 0;
    return 1;
}

/* ---- steps: every step's candidates, the prefix generated before it, and the weights ---- */

typedef struct {
    json_t *steps;
    int32_t generated[8][64];
    int64_t count[8];
} recorder_t;

static void record_step(void *ctx, const rgtg_decode_step_t *s) {
    recorder_t *rec = ctx;
    for (int64_t i = 0; i < s->rows; i++) {
        int64_t row = s->row_of[i];
        json_t *step = json_object(), *prefix = json_array(), *cands = json_array(), *weights = json_array();
        for (int64_t t = 0; t < rec->count[row]; t++) json_array_append_new(prefix, json_integer(rec->generated[row][t]));
        for (int64_t j = 0; j < s->k; j++) {
            json_array_append_new(cands, json_integer(s->cand_ids[i * s->k + j]));
            json_array_append_new(weights, json_real(s->weights[i * s->k + j]));
        }
        json_object_set_new(step, "row", json_integer(row));
        json_object_set_new(step, "step", json_integer(s->step));
        json_object_set_new(step, "prefix", prefix);
        json_object_set_new(step, "cands", cands);
        json_object_set_new(step, "weights", weights);
        json_array_append_new(rec->steps, step);
        rec->generated[row][rec->count[row]++] = (int32_t)s->cand_ids[i * s->k + s->chosen[i]];
    }
}

static int run_steps(const char *dir, const char *out_path) {
    prompts_t p;
    rgtg_model_t *lm = NULL, *rm = NULL;
    if (!load_prompts(dir, &p) || !load_models(dir, &lm, &rm)) return 1;
    rgtg_method_t pargs;
    rgtg_status_t st = rgtg_method_init("pargs", &pargs);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "k", STEPS_K);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "beta", STEPS_BETA);
    recorder_t rec = {.steps = json_array()};
    rgtg_decode_params_t dp = rgtg_decode_default_params();
    dp.max_new_tokens = 12, dp.batch_size = p.count, dp.eos_id = -1, dp.bos_id = p.bos, dp.seed = 5;
    dp.observe = record_step, dp.observe_ctx = &rec;
    const int32_t *prompts[8];
    for (int i = 0; i < p.count; i++) prompts[i] = p.prompts[i];
    rgtg_decoded_t out[8];
    if (st == RGTG_OK) st = rgtg_decode(lm, rm, &pargs, &dp, prompts, p.lengths, p.count, out);
    if (st != RGTG_OK) {
        fprintf(stderr, "FAIL decode: %s\n", rgtg_error_message());
        return 1;
    }
    for (int i = 0; i < p.count; i++) rgtg_decoded_free(&out[i]);
    json_t *root = json_object();
    json_object_set_new(root, "bos", json_integer(p.bos));
    json_object_set_new(root, "k", json_integer(STEPS_K));
    json_object_set_new(root, "beta", json_real(STEPS_BETA));
    json_object_set_new(root, "steps", rec.steps);
    int rc = json_dump_file(root, out_path, JSON_COMPACT) == 0 ? 0 : 1;
    json_decref(root);
    rgtg_model_free(lm), rgtg_model_free(rm);
    return rc;
}

/* ---- freq: DRAWS one-token samples of one prompt, each row with its own stream ---- */

static json_t *count_draws(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *m,
                           const prompts_t *p, int row) {
    const int32_t **prompts = malloc(sizeof *prompts * DRAWS);
    int64_t *lengths = malloc(sizeof(int64_t) * DRAWS);
    rgtg_decoded_t *out = calloc(DRAWS, sizeof *out);
    int64_t *counts = calloc(1024, sizeof(int64_t));
    for (int i = 0; i < DRAWS; i++) prompts[i] = p->prompts[row], lengths[i] = p->lengths[row];
    rgtg_decode_params_t dp = rgtg_decode_default_params();
    dp.max_new_tokens = 1, dp.batch_size = 1000, dp.eos_id = -1, dp.bos_id = p->bos, dp.seed = 1234;
    json_t *result = NULL;
    if (rgtg_decode(lm, guide, m, &dp, prompts, lengths, DRAWS, out) == RGTG_OK) {
        result = json_object();
        for (int i = 0; i < DRAWS; i++) counts[out[i].tokens[0] & 1023]++, rgtg_decoded_free(&out[i]);
        for (int t = 0; t < 1024; t++) {
            if (!counts[t]) continue;
            char key[16];
            snprintf(key, sizeof key, "%d", t);
            json_object_set_new(result, key, json_integer(counts[t]));
        }
    } else {
        fprintf(stderr, "FAIL decode: %s\n", rgtg_error_message());
    }
    free(prompts), free(lengths), free(out), free(counts);
    return result;
}

static int run_freq(const char *dir, const char *out_path) {
    prompts_t p;
    rgtg_model_t *lm = NULL, *rm = NULL;
    if (!load_prompts(dir, &p) || !load_models(dir, &lm, &rm)) return 1;
    rgtg_method_t pargs, topp;
    rgtg_status_t st = rgtg_method_init("pargs", &pargs);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "k", 8);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "beta", 0.7);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "temperature", 1.6);
    if (st == RGTG_OK) st = rgtg_method_init("topp", &topp);
    if (st == RGTG_OK) st = rgtg_method_set(&topp, "p", 0.8);
    if (st == RGTG_OK) st = rgtg_method_set(&topp, "temperature", 2.5);
    if (st != RGTG_OK) return fprintf(stderr, "%s\n", rgtg_error_message()), 1;
    json_t *runs = json_array();
    struct { const rgtg_method_t *m; const rgtg_model_t *guide; int row; } cases[] = {
        {&pargs, rm, 0}, {&pargs, rm, 2}, {&topp, NULL, 1},
    };
    int rc = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        json_t *counts = count_draws(lm, cases[c].guide, cases[c].m, &p, cases[c].row);
        if (!counts) {
            rc = 1;
            continue;
        }
        json_t *run = json_object();
        json_object_set_new(run, "method", json_string(cases[c].m->def->name));
        json_object_set_new(run, "row", json_integer(cases[c].row));
        json_object_set_new(run, "temperature", json_real(rgtg_method_get(cases[c].m, "temperature")));
        if (cases[c].guide) {
            json_object_set_new(run, "k", json_integer((json_int_t)rgtg_method_get(cases[c].m, "k")));
            json_object_set_new(run, "beta", json_real(rgtg_method_get(cases[c].m, "beta")));
        } else {
            json_object_set_new(run, "p", json_real(rgtg_method_get(cases[c].m, "p")));
        }
        json_object_set_new(run, "counts", counts);
        json_array_append_new(runs, run);
    }
    json_t *root = json_object();
    json_object_set_new(root, "bos", json_integer(p.bos));
    json_object_set_new(root, "runs", runs);
    if (json_dump_file(root, out_path, JSON_COMPACT) != 0) rc = 1;
    json_decref(root);
    rgtg_model_free(lm), rgtg_model_free(rm);
    return rc;
}

int main(int argc, char **argv) {
    tt_set_num_threads(1);
    if (argc == 4 && !strcmp(argv[1], "steps")) return run_steps(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "freq")) return run_freq(argv[2], argv[3]);
    fprintf(stderr, "usage: test_decode_ref steps|freq DIR OUT.json\n");
    return 2;
}
