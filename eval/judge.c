/* eval/judge.c: the pairwise protocol (both orders per pair, disagreements as ties), its tally and
 * outputs, and the `rgtg eval judge` stage (see judge.h). */
#include "judge.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"

void rgtg_judge_free(rgtg_judge_t *judge) {
    if (judge) judge->free(judge);
}

rgtg_judge_params_t rgtg_judge_default_params(void) {
    return (rgtg_judge_params_t){.tie_tolerance = 1e-4, .batch = 32, .threads = 2};
}

void rgtg_judge_summary_free(rgtg_judge_summary_t *summary) {
    free(summary->judged);
    memset(summary, 0, sizeof *summary);
}

/* A verdict on a question, as the file it prefers; b_first: B was shown first. */
static char preferred_file(rgtg_verdict_t verdict, bool b_first) {
    if (verdict == RGTG_VERDICT_TIE) return 'T';
    return (verdict == RGTG_VERDICT_FIRST) != b_first ? 'A' : 'B';
}

rgtg_status_t rgtg_judge_pairs(rgtg_judge_t *judge, const rgtg_generation_t *a, const rgtg_generation_t *b,
                               const rgtg_pair_t *pairs, size_t count, rgtg_judge_summary_t *summary_out) {
    memset(summary_out, 0, sizeof *summary_out);
    rgtg_judge_question_t *questions = calloc(2 * count + 1, sizeof *questions);
    rgtg_verdict_t *verdicts = calloc(2 * count + 1, sizeof *verdicts);
    rgtg_judged_pair_t *judged = calloc(count + 1, sizeof *judged);
    if (!questions || !verdicts || !judged) {
        free(questions), free(verdicts), free(judged);
        return rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory for %zu pairs", count);
    }
    for (size_t i = 0; i < count; i++) {
        const rgtg_generation_t *x = &a[pairs[i].a], *y = &b[pairs[i].b];
        /* the prompt shown is A's; pairing by id makes B's the same prompt */
        questions[2 * i] = (rgtg_judge_question_t){.id = pairs[i].id, .prompt = x->prompt, .response_a = x->response,
                                                   .response_b = y->response, .finished_a = x->finished,
                                                   .finished_b = y->finished};
        questions[2 * i + 1] = (rgtg_judge_question_t){.id = pairs[i].id, .prompt = x->prompt, .response_a = y->response,
                                                       .response_b = x->response, .finished_a = y->finished,
                                                       .finished_b = x->finished};
    }
    rgtg_status_t status = count ? judge->decide(judge, questions, 2 * count, verdicts) : RGTG_OK;
    rgtg_judge_summary_t s = {.pairs = count, .judged = judged};
    for (size_t i = 0; status == RGTG_OK && i < count; i++) {
        char a_first = preferred_file(verdicts[2 * i], false), b_first = preferred_file(verdicts[2 * i + 1], true);
        rgtg_outcome_t outcome = a_first == 'A' && b_first == 'A'   ? RGTG_OUTCOME_WIN
                                 : a_first == 'B' && b_first == 'B' ? RGTG_OUTCOME_LOSS
                                                                    : RGTG_OUTCOME_TIE;
        s.wins += outcome == RGTG_OUTCOME_WIN;
        s.losses += outcome == RGTG_OUTCOME_LOSS;
        s.ties += outcome == RGTG_OUTCOME_TIE;
        s.disagreements += a_first != b_first;
        for (int order = 0; order < 2; order++) {
            rgtg_verdict_t v = verdicts[2 * i + (size_t)order];
            s.decisive += v != RGTG_VERDICT_TIE;
            s.first_picks += v == RGTG_VERDICT_FIRST;
        }
        judged[i] = (rgtg_judged_pair_t){.id = pairs[i].id, .sample = pairs[i].sample, .a_first = a_first,
                                         .b_first = b_first, .outcome = outcome};
    }
    free(questions), free(verdicts);
    if (status != RGTG_OK) {
        free(judged);
        return status;
    }
    *summary_out = s;
    return RGTG_OK;
}

/* ---- outputs ---- */

static const char *verdict_name(char v) { return v == 'A' ? "A" : v == 'B' ? "B" : "tie"; }
static const char *outcome_name(rgtg_outcome_t o) {
    return o == RGTG_OUTCOME_WIN ? "win" : o == RGTG_OUTCOME_LOSS ? "loss" : "tie";
}

static double rate(size_t part, size_t whole) { return whole ? (double)part / (double)whole : NAN; }

static json_t *real_or_null(double x) { return isnan(x) ? json_null() : json_real(x); }

char *rgtg_judge_summary_json(const rgtg_judge_summary_t *s, const char *a_path, const char *b_path,
                              const char *method_a, const char *method_b, const char *judge) {
    json_t *verdicts = json_array();
    for (size_t i = 0; verdicts && i < s->pairs; i++)
        json_array_append_new(verdicts, json_pack("{sI sI ss ss ss}", "id", (json_int_t)s->judged[i].id, "sample",
                                                  (json_int_t)s->judged[i].sample, "a_first",
                                                  verdict_name(s->judged[i].a_first), "b_first",
                                                  verdict_name(s->judged[i].b_first), "outcome",
                                                  outcome_name(s->judged[i].outcome)));
    json_t *root = json_pack("{ss ss ss ss ss sI sI sI sI so so so sI so so}", "a", a_path, "b", b_path, "method_a",
                             method_a, "method_b", method_b, "judge", judge, "pairs", (json_int_t)s->pairs, "win",
                             (json_int_t)s->wins, "tie", (json_int_t)s->ties, "loss", (json_int_t)s->losses,
                             "win_rate", real_or_null(rate(s->wins, s->pairs)), "tie_rate",
                             real_or_null(rate(s->ties, s->pairs)), "loss_rate", real_or_null(rate(s->losses, s->pairs)),
                             "disagreements", (json_int_t)s->disagreements, "first_position_rate",
                             real_or_null(rate(s->first_picks, s->decisive)), "verdicts", verdicts);
    char *text = root ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(root);
    if (!text) return NULL;
    size_t length = strlen(text);
    char *line = realloc(text, length + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    line[length] = '\n', line[length + 1] = '\0';
    return line;
}

static char *markdown_line(const rgtg_judge_summary_t *s, const char *method_a, const char *method_b) {
    const char *header = "| A vs B | Win (%) | Tie (%) | Loss (%) | n | order disagreements |\n"
                         "| --- | ---: | ---: | ---: | ---: | ---: |\n";
    size_t size = strlen(header) + strlen(method_a) + strlen(method_b) + 128;
    char *text = malloc(size);
    if (text)
        snprintf(text, size, "%s| %s vs %s | %.1f | %.1f | %.1f | %zu | %zu |\n", header, method_a, method_b,
                 100.0 * rate(s->wins, s->pairs), 100.0 * rate(s->ties, s->pairs), 100.0 * rate(s->losses, s->pairs),
                 s->pairs, s->disagreements);
    return text;
}

rgtg_status_t rgtg_judge_add_results(const rgtg_judge_summary_t *s, const char *method_a, const char *method_b,
                                     const char *judge, rgtg_results_t *results) {
    const char *metrics[] = {"win", "tie", "loss"};
    size_t counts[] = {s->wins, s->ties, s->losses};
    rgtg_label_t labels[] = {{.key = "method", .kind = RGTG_LABEL_STRING, .text = (char *)method_a},
                             {.key = "baseline", .kind = RGTG_LABEL_STRING, .text = (char *)method_b},
                             {.key = "judge", .kind = RGTG_LABEL_STRING, .text = (char *)judge}};
    for (int m = 0; m < 3; m++) {
        rgtg_result_cell_t cell = {.metric = (char *)metrics[m], .value = rate(counts[m], s->pairs),
                                   .n = (int64_t)s->pairs, .se = NAN, .p_value = NAN, .labels = labels, .label_count = 3};
        rgtg_status_t status = rgtg_results_add(results, &cell);
        if (status != RGTG_OK) return status;
    }
    return RGTG_OK;
}

/* ---- the stage ---- */

rgtg_status_t rgtg_judge_run(const rgtg_judge_params_t *params, rgtg_judge_summary_t *summary_out,
                             char **markdown_out) {
    memset(summary_out, 0, sizeof *summary_out);
    *markdown_out = NULL;
    if (!params->a_path || !params->b_path) return rgtg_error_set(RGTG_ERR_INVALID, "judge: two generation files are needed");
    if (!params->judge_cmd == !params->judge_rm)
        return rgtg_error_set(RGTG_ERR_INVALID, "judge: give exactly one of --judge-cmd and --judge-rm");
    if (!(params->tie_tolerance >= 0)) return rgtg_error_set(RGTG_ERR_INVALID, "judge: the tie tolerance must be >= 0");
    rgtg_generation_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, count = 0;
    rgtg_pair_t *pairs = NULL;
    const char *method_a = "", *method_b = "";
    rgtg_judge_t *judge = NULL;
    rgtg_judge_summary_t summary = {0};
    rgtg_results_t results = {0};
    char *json = NULL, *markdown = NULL;
    rgtg_status_t status = rgtg_gen_read(params->a_path, &a, &na);
    if (status == RGTG_OK) status = rgtg_gen_read(params->b_path, &b, &nb);
    if (status == RGTG_OK) status = rgtg_pairs_single_method(a, na, params->a_path, &method_a);
    if (status == RGTG_OK) status = rgtg_pairs_single_method(b, nb, params->b_path, &method_b);
    if (status == RGTG_OK) status = rgtg_pairs_match(a, na, params->a_path, b, nb, params->b_path, &pairs, &count);
    if (status == RGTG_OK)
        status = params->judge_cmd ? rgtg_judge_cmd_open(params->judge_cmd, &judge)
                                   : rgtg_judge_rm_open(params->judge_rm, params->tie_tolerance, params->batch,
                                                        params->threads, &judge);
    if (status == RGTG_OK) status = rgtg_judge_pairs(judge, a, b, pairs, count, &summary);
    if (status == RGTG_OK) {
        json = rgtg_judge_summary_json(&summary, params->a_path, params->b_path, method_a, method_b, judge->description);
        markdown = markdown_line(&summary, method_a, method_b);
        if (!json || !markdown) status = rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory");
    }
    if (status == RGTG_OK && params->results_path)
        status = rgtg_judge_add_results(&summary, method_a, method_b, judge->description, &results);
    /* all outputs or none: results first (the summary is the record that the run finished) */
    if (status == RGTG_OK && params->results_path) status = rgtg_results_write(&results, params->results_path);
    if (status == RGTG_OK && params->out_path) {
        status = rgtg_write_file_atomic(params->out_path, json, strlen(json));
        if (status != RGTG_OK && params->results_path) remove(params->results_path);
    }
    rgtg_results_free(&results);
    rgtg_judge_free(judge);
    free(pairs), free(json);
    rgtg_gen_free(a, na);
    rgtg_gen_free(b, nb);
    if (status != RGTG_OK) {
        rgtg_judge_summary_free(&summary);
        free(markdown);
        return status;
    }
    *summary_out = summary;
    *markdown_out = markdown;
    return RGTG_OK;
}
