/* eval/human.h: human pairwise evaluation (paper Appendix E): `human-sheet` writes a self-contained
 * offline HTML page for blind rating of two generation files (pairs by prompt id and sample index, in
 * a shuffled order, each pair's left/right sides counterbalanced and shuffled by a seed; the order is
 * recorded in the page), whose votes leave the browser as a CSV download; `human-import` turns those
 * CSVs into win/tie/loss counts for A against B (undoing the shuffle) and their agreement with a
 * reward model. */
#ifndef RGTG_EVAL_HUMAN_H
#define RGTG_EVAL_HUMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

/* ---- the sheet ---- */

typedef struct {
    const char *a_path, *b_path;   /* generation files, one method each (required) */
    const char *out_path;          /* the HTML page, written atomically (required) */
    uint64_t seed;                 /* the shuffle (default 1) */
    const char *title;             /* the page's title (default "Which response is better?") */
} rgtg_human_sheet_params_t;

rgtg_human_sheet_params_t rgtg_human_sheet_default_params(void);

/* Writes the page. Its data (a JSON script block, id "rgtg-sheet-data") records: sheet (an id: the
 * first 16 hex digits of the sha256 of the rest of the data), seed, a, b, method_a, method_b, and
 * pairs[i] = {id, sample, left ("A" or "B"), prompt, left_response, right_response, left_finished,
 * right_finished}, i being the pair_id. *pairs_out (when not NULL) receives the number of pairs. */
rgtg_status_t rgtg_human_sheet_run(const rgtg_human_sheet_params_t *params, size_t *pairs_out);

/* ---- importing votes ---- */

typedef struct {
    const char *const *votes_paths; /* CSV files (one per rater): pair_id,id,sample,left,right,vote,
                                       choice_method,input,sheet (extra columns ignored) */
    size_t votes_count;
    const char *sheet_path;         /* the page the votes came from: checks every vote against its
                                       recorded order, names the methods, holds the texts for judge_rm */
    const char *judge_rm;           /* agreement with this reward model (needs sheet_path) */
    const char *scores_a, *scores_b;/* or with the rewards already in these scored generation files */
    double tie_tolerance;           /* RM rewards this close are a tie (default 1e-4) */
    int64_t batch;                  /* RM: sequences per forward (default 32) */
    int threads;                    /* RM: libtorch threads (default 2) */
    const char *out_path;           /* the JSON summary, written atomically; NULL: none */
    const char *results_path;       /* results.json: win/tie/loss (judge "human") and agreement cells */
} rgtg_human_import_params_t;

rgtg_human_import_params_t rgtg_human_import_default_params(void);

typedef struct {
    size_t votes, wins, ties, losses;  /* for A; wins + ties + losses == votes */
    bool has_rm;                       /* agreement was measured */
    size_t agreed;                     /* votes whose outcome equals the RM's */
    size_t decisive, decisive_agreed;  /* votes where neither the rater nor the RM said tie, and of those agreeing */
} rgtg_human_summary_t;

/* Reads the votes and writes the outputs (all or none); *markdown_out gets a malloc'd Markdown table.
 * Errors name the file and line: "votes.csv:4: vote must be left, right or tie (got 'lft')", a vote
 * that contradicts the sheet ("votes.csv:3: pair 2 shows B on the left in sheet.html, not A"), a
 * pair voted twice in one file, votes from another sheet, no vote at all. */
rgtg_status_t rgtg_human_import_run(const rgtg_human_import_params_t *params, rgtg_human_summary_t *summary_out,
                                    char **markdown_out);

#endif
