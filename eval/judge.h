/* eval/judge.h: pairwise judging of two generation files (paper Table 2): rows paired by prompt id
 * and sample index, each pair shown to the judge in both orders (A first, then B first) to cancel
 * position bias; a pair wins only when both orders prefer A, loses only when both prefer B, and every
 * other combination is a tie (the orders that disagree are counted). Judges are plug-ins behind one
 * small interface: an external command (judge_cmd.c) or a reward model (judge_rm.c). */
#ifndef RGTG_EVAL_JUDGE_H
#define RGTG_EVAL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/generations.h"
#include "../core/status.h"
#include "pairs.h"
#include "results.h"

/* Which of the two shown responses the judge prefers. */
typedef enum { RGTG_VERDICT_FIRST, RGTG_VERDICT_SECOND, RGTG_VERDICT_TIE } rgtg_verdict_t;

/* One question: a prompt and two responses in the order shown. Strings belong to the caller; the
 * same row's strings are passed by the same pointers in both orders. */
typedef struct {
    int64_t id;
    const char *prompt;
    const char *response_a, *response_b;   /* shown first, second */
    bool finished_a, finished_b;           /* the responses ended with EOS (the RM judge appends it) */
} rgtg_judge_question_t;

typedef struct rgtg_judge rgtg_judge_t;
struct rgtg_judge {
    const char *description;               /* "command: CMD" or "rm: DIR" */
    /* verdicts_out[i] for questions[i], i < count; errors name the question or the judge's answer. */
    rgtg_status_t (*decide)(rgtg_judge_t *judge, const rgtg_judge_question_t *questions, size_t count,
                            rgtg_verdict_t *verdicts_out);
    void (*free)(rgtg_judge_t *judge);
};

/* An external command, run once for all questions by /bin/sh -c COMMAND (the user's own command line,
 * as git runs an editor). It reads one JSON object per line on stdin, {"id":..,"prompt":..,
 * "response_a":..,"response_b":..}, until end of input, and writes one answer line per question, in
 * order: "A", "B" or "tie" (surrounding blanks and case ignored). rgtg writes and reads at once, so a
 * command may buffer its output. Errors: any other answer ("judge command: answer line 3: expected A,
 * B or tie, got 'maybe'"), too few or too many answers, a non-zero exit (with its last stderr line). */
rgtg_status_t rgtg_judge_cmd_open(const char *command, rgtg_judge_t **judge_out);

/* A reward model (DIR with tokenizer.model): the response with the higher reward wins; rewards within
 * tie_tolerance (absolute) are a tie. Each distinct (prompt, response) is scored once, so the two
 * orders always agree. batch: sequences per forward; threads: libtorch threads (0: unchanged). */
rgtg_status_t rgtg_judge_rm_open(const char *rm_dir, double tie_tolerance, int64_t batch, int threads,
                                 rgtg_judge_t **judge_out);

/* Safe on NULL. */
void rgtg_judge_free(rgtg_judge_t *judge);

typedef enum { RGTG_OUTCOME_WIN, RGTG_OUTCOME_TIE, RGTG_OUTCOME_LOSS } rgtg_outcome_t; /* for A */

typedef struct {
    int64_t id;
    size_t sample;
    char a_first, b_first;  /* the verdicts, as the file they prefer: 'A', 'B' or 'T' (tie) */
    rgtg_outcome_t outcome;
} rgtg_judged_pair_t;

typedef struct {
    size_t pairs, wins, ties, losses;  /* wins + ties + losses == pairs */
    size_t disagreements;              /* pairs whose two orders differ (counted as ties) */
    size_t first_picks, decisive;      /* position bias: of the decisive verdicts (not ties, both orders),
                                          how many named the response shown first */
    rgtg_judged_pair_t *judged;        /* pairs of them, in pair order; owned */
} rgtg_judge_summary_t;

/* Asks the judge every pair in both orders (questions 2i: A first, 2i+1: B first) and tallies. */
rgtg_status_t rgtg_judge_pairs(rgtg_judge_t *judge, const rgtg_generation_t *a, const rgtg_generation_t *b,
                               const rgtg_pair_t *pairs, size_t count, rgtg_judge_summary_t *summary_out);
void rgtg_judge_summary_free(rgtg_judge_summary_t *summary);

/* `rgtg eval judge`. */
typedef struct {
    const char *a_path, *b_path;  /* generation files (required) */
    const char *judge_cmd;        /* exactly one of judge_cmd and judge_rm */
    const char *judge_rm;
    double tie_tolerance;         /* RM judge: |r_A - r_B| <= this is a tie (default 1e-4: float32 rewards of
                                     one text in different batches differ in their last bits) */
    int64_t batch;                /* RM judge: sequences per forward (default 32) */
    int threads;                  /* RM judge: libtorch threads (default 2) */
    const char *out_path;         /* the JSON summary, written atomically; NULL: none */
    const char *results_path;     /* results.json with win, tie and loss cells (method = A's method,
                                     baseline = B's, judge); NULL: none */
} rgtg_judge_params_t;

rgtg_judge_params_t rgtg_judge_default_params(void);

/* Reads both files, pairs, judges, writes the outputs (all or none). On success *summary_out holds
 * the tally and *markdown_out a malloc'd Markdown table (header and one line: A vs B, win, tie and
 * loss percentages, n, order disagreements). */
rgtg_status_t rgtg_judge_run(const rgtg_judge_params_t *params, rgtg_judge_summary_t *summary_out,
                             char **markdown_out);

/* The JSON summary (malloc'd, one object, newline-terminated): a, b, method_a, method_b, judge,
 * pairs, win, tie, loss, win_rate, tie_rate, loss_rate, disagreements, first_position_rate (null
 * without decisive verdicts) and verdicts [{id, sample, a_first, b_first, outcome}]. */
char *rgtg_judge_summary_json(const rgtg_judge_summary_t *summary, const char *a_path, const char *b_path,
                              const char *method_a, const char *method_b, const char *judge);

/* Appends the win, tie and loss cells (fractions of the pairs; n = pairs) to results. */
rgtg_status_t rgtg_judge_add_results(const rgtg_judge_summary_t *summary, const char *method_a, const char *method_b,
                                     const char *judge, rgtg_results_t *results);

#endif
