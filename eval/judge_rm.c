/* eval/judge_rm.c: the reward-model judge (see judge.h): every distinct (prompt, response) of the
 * questions is scored once; the higher reward wins, rewards within the tolerance tie. */
#include "judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_texts.h"

typedef struct {
    rgtg_judge_t base;
    rgtg_rm_texts_t *rm;
    double tie_tolerance;
    int64_t batch;
    char *description;
} rm_judge_t;

typedef struct {
    const char *prompt, *response;
    bool finished;
    size_t question;
    int side; /* 0: response_a, 1: response_b */
} text_ref_t;

static int compare_refs(const void *x, const void *y) {
    const text_ref_t *a = x, *b = y;
    if (a->prompt != b->prompt) return (uintptr_t)a->prompt < (uintptr_t)b->prompt ? -1 : 1;
    if (a->response != b->response) return (uintptr_t)a->response < (uintptr_t)b->response ? -1 : 1;
    return a->finished - b->finished;
}

static rgtg_status_t rm_decide(rgtg_judge_t *base, const rgtg_judge_question_t *questions, size_t count,
                               rgtg_verdict_t *verdicts_out) {
    rm_judge_t *judge = (rm_judge_t *)base;
    size_t n = 2 * count;
    text_ref_t *refs = malloc((n + 1) * sizeof *refs);
    const char **prompts = malloc((n + 1) * sizeof *prompts), **responses = malloc((n + 1) * sizeof *responses);
    bool *finished = malloc((n + 1) * sizeof *finished);
    double *rewards = malloc((n + 1) * sizeof *rewards);
    rgtg_status_t status = refs && prompts && responses && finished && rewards
                               ? RGTG_OK
                               : rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory");
    size_t unique = 0;
    if (status == RGTG_OK) {
        for (size_t q = 0; q < count; q++) {
            refs[2 * q] = (text_ref_t){questions[q].prompt, questions[q].response_a, questions[q].finished_a, q, 0};
            refs[2 * q + 1] = (text_ref_t){questions[q].prompt, questions[q].response_b, questions[q].finished_b, q, 1};
        }
        qsort(refs, n, sizeof *refs, compare_refs); /* the same row's text, shown in both orders, is one entry */
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || compare_refs(&refs[i - 1], &refs[i]) != 0) {
                prompts[unique] = refs[i].prompt, responses[unique] = refs[i].response;
                finished[unique] = refs[i].finished;
                unique++;
            }
        }
        status = rgtg_rm_texts_score(judge->rm, prompts, responses, finished, unique, judge->batch, rewards);
    }
    if (status == RGTG_OK) {
        double *reward_of = malloc((n + 1) * sizeof *reward_of); /* question * 2 + side -> reward */
        if (!reward_of) status = rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory");
        for (size_t i = 0, u = 0; status == RGTG_OK && i < n; i++) {
            if (i > 0 && compare_refs(&refs[i - 1], &refs[i]) != 0) u++;
            reward_of[2 * refs[i].question + (size_t)refs[i].side] = rewards[u];
        }
        for (size_t q = 0; status == RGTG_OK && q < count; q++) {
            double first = reward_of[2 * q], second = reward_of[2 * q + 1];
            verdicts_out[q] = fabs(first - second) <= judge->tie_tolerance ? RGTG_VERDICT_TIE
                              : first > second                            ? RGTG_VERDICT_FIRST
                                                                          : RGTG_VERDICT_SECOND;
        }
        free(reward_of);
    }
    free(refs), free(prompts), free(responses), free(finished), free(rewards);
    return status;
}

static void rm_free(rgtg_judge_t *base) {
    rm_judge_t *judge = (rm_judge_t *)base;
    rgtg_rm_texts_free(judge->rm);
    free(judge->description);
    free(judge);
}

rgtg_status_t rgtg_judge_rm_open(const char *rm_dir, double tie_tolerance, int64_t batch, int threads,
                                 rgtg_judge_t **judge_out) {
    *judge_out = NULL;
    if (!(tie_tolerance >= 0)) return rgtg_error_set(RGTG_ERR_INVALID, "judge: the tie tolerance must be >= 0");
    rm_judge_t *judge = calloc(1, sizeof *judge);
    size_t size = strlen(rm_dir) + 8;
    char *description = malloc(size);
    if (!judge || !description) {
        free(judge), free(description);
        return rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory");
    }
    snprintf(description, size, "rm: %s", rm_dir);
    rgtg_status_t status = rgtg_rm_texts_open(rm_dir, threads, &judge->rm);
    if (status != RGTG_OK) {
        free(judge), free(description);
        return status;
    }
    judge->tie_tolerance = tie_tolerance;
    judge->batch = batch < 1 ? 1 : batch;
    judge->description = description;
    judge->base = (rgtg_judge_t){.description = description, .decide = rm_decide, .free = rm_free};
    *judge_out = &judge->base;
    return RGTG_OK;
}
