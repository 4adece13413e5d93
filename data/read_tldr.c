/* data/read_tldr.c: TL;DR summarization preferences in two styles. OpenAI summarize-from-feedback
 * comparisons {"info": {"post", "title", "subreddit"}, "summaries": [{"text"}, {"text"}], "choice": 0|1}
 * give the prompt "SUBREDDIT: r/{subreddit}\nTITLE: {title}\nPOST: {post}\nTL;DR:", chosen =
 * summaries[choice], rejected = the other; comparisons of news articles (info without "post") are
 * dropped as "not_reddit_post". The CarperAI style {"prompt", "chosen", "rejected"} is taken as it is,
 * except that a response repeating the prompt's closing "TL;DR:" loses that repetition. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_common.h"
#include "read_formats.h"

static const char tldr_cue[] = "TL;DR:";

/* The response without a leading "TL;DR:" that repeats the prompt's cue. */
static const char *without_repeated_cue(const char *prompt, const char *response) {
    size_t cue_len = sizeof tldr_cue - 1, prompt_len = strlen(prompt);
    bool prompt_ends_with_cue = prompt_len >= cue_len && strcmp(prompt + prompt_len - cue_len, tldr_cue) == 0;
    if (prompt_ends_with_cue && strncmp(response, tldr_cue, cue_len) == 0) return response + cue_len;
    return response;
}

static rgtg_status_t carper_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    const char *prompt, *chosen, *rejected;
    rgtg_status_t st = rgtg_string_field(row, "prompt", place, "a string", &prompt);
    if (st == RGTG_OK) st = rgtg_string_field(row, "chosen", place, "a string", &chosen);
    if (st == RGTG_OK) st = rgtg_string_field(row, "rejected", place, "a string", &rejected);
    if (st != RGTG_OK) return st;
    chosen = without_repeated_cue(prompt, chosen);
    rejected = without_repeated_cue(prompt, rejected);
    out->prompt = rgtg_copy_text(prompt, strlen(prompt));
    out->chosen = rgtg_copy_text(chosen, strlen(chosen));
    out->rejected = rgtg_copy_text(rejected, strlen(rejected));
    if (!out->prompt || !out->chosen || !out->rejected) return rgtg_out_of_memory(place);
    return RGTG_OK;
}

static rgtg_status_t summary_text(const json_t *summaries, size_t i, rgtg_row_place_t place, const char **out) {
    const json_t *text = json_object_get(json_array_get(summaries, i), "text");
    if (!json_is_string(text))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'summaries[%zu].text' must be a string", place.path,
                              (long long)place.line, i);
    *out = json_string_value(text);
    return RGTG_OK;
}

static rgtg_status_t comparison_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    const json_t *info = json_object_get(row, "info");
    const json_t *summaries = json_object_get(row, "summaries");
    const json_t *choice = json_object_get(row, "choice");
    if (!json_is_object(info))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'info' must be an object", place.path,
                              (long long)place.line);
    if (!json_is_array(summaries) || json_array_size(summaries) != 2)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'summaries' must be a list of two {\"text\"} objects",
                              place.path, (long long)place.line);
    if (!json_is_integer(choice) || (json_integer_value(choice) != 0 && json_integer_value(choice) != 1))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'choice' must be 0 or 1", place.path,
                              (long long)place.line);
    if (!json_object_get(info, "post") && json_is_string(json_object_get(info, "article"))) {
        out->drop_reason = "not_reddit_post";
        return RGTG_OK;
    }
    const char *post, *title, *subreddit, *texts[2];
    rgtg_status_t st = rgtg_string_field(info, "post", place, "a string (in 'info')", &post);
    if (st == RGTG_OK) st = rgtg_string_field(info, "title", place, "a string (in 'info')", &title);
    if (st == RGTG_OK) st = rgtg_string_field(info, "subreddit", place, "a string (in 'info')", &subreddit);
    if (st == RGTG_OK) st = summary_text(summaries, 0, place, &texts[0]);
    if (st == RGTG_OK) st = summary_text(summaries, 1, place, &texts[1]);
    if (st != RGTG_OK) return st;
    int chosen = (int)json_integer_value(choice);

    size_t prompt_len = strlen(subreddit) + strlen(title) + strlen(post) + 64;
    out->prompt = malloc(prompt_len);
    if (out->prompt)
        snprintf(out->prompt, prompt_len, "SUBREDDIT: r/%s\nTITLE: %s\nPOST: %s\n%s", subreddit, title, post, tldr_cue);
    out->chosen = rgtg_copy_text(texts[chosen], strlen(texts[chosen]));
    out->rejected = rgtg_copy_text(texts[1 - chosen], strlen(texts[1 - chosen]));
    if (!out->prompt || !out->chosen || !out->rejected) return rgtg_out_of_memory(place);
    return RGTG_OK;
}

rgtg_status_t rgtg_tldr_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    if (json_object_get(row, "info") || json_object_get(row, "summaries")) return comparison_row(row, place, out);
    if (json_object_get(row, "prompt")) return carper_row(row, place, out);
    return rgtg_error_set(RGTG_ERR_FORMAT,
                          "%s:%lld: a tldr row needs 'info', 'summaries' and 'choice', or 'prompt', 'chosen' and "
                          "'rejected'",
                          place.path, (long long)place.line);
}

bool rgtg_tldr_looks_like(const json_t *row) {
    if (json_object_get(row, "info") && json_object_get(row, "summaries") && json_object_get(row, "choice"))
        return true;
    const json_t *prompt = json_object_get(row, "prompt");
    return json_is_string(prompt) && strncmp(json_string_value(prompt), "SUBREDDIT:", 10) == 0 &&
           json_object_get(row, "chosen") && json_object_get(row, "rejected");
}
