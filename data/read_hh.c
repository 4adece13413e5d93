/* data/read_hh.c: Anthropic HH-RLHF rows {"chosen": transcript, "rejected": transcript}. The prompt is
 * the shared transcript up to and including the last "\n\nAssistant:" both sides share (multi-turn
 * history kept whole, leading newlines removed so that it starts "Human:"); the responses are what
 * follows. A side without any "\n\nAssistant:" is an error (not an HH transcript). Rows whose sides do
 * not share such a prefix, or whose remainders still hold a "\n\nHuman:" turn (the sides diverged
 * before the final turn), are dropped as "no_shared_prompt". */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "read_common.h"
#include "read_formats.h"

static const char assistant_mark[] = "\n\nAssistant:";
static const char human_mark[] = "\n\nHuman:";

static size_t common_prefix_length(const char *a, const char *b) {
    size_t n = 0;
    while (a[n] && a[n] == b[n]) n++;
    return n;
}

rgtg_status_t rgtg_hh_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    const char *chosen, *rejected;
    rgtg_status_t st = rgtg_string_field(row, "chosen", place, "a string", &chosen);
    if (st == RGTG_OK) st = rgtg_string_field(row, "rejected", place, "a string", &rejected);
    if (st != RGTG_OK) return st;
    if (!strstr(chosen, assistant_mark) || !strstr(rejected, assistant_mark))
        return rgtg_error_set(RGTG_ERR_FORMAT,
                              "%s:%lld: field '%s' must be a transcript with \"\\n\\nAssistant:\" turns", place.path,
                              (long long)place.line, strstr(chosen, assistant_mark) ? "rejected" : "chosen");

    const size_t mark_len = sizeof assistant_mark - 1;
    size_t shared = common_prefix_length(chosen, rejected);
    size_t prompt_end = 0;
    for (size_t start = shared >= mark_len ? shared - mark_len + 1 : 0; start-- > 0;) {
        if (memcmp(chosen + start, assistant_mark, mark_len) == 0) {
            prompt_end = start + mark_len;
            break;
        }
    }
    if (prompt_end == 0 || strstr(chosen + prompt_end, human_mark) || strstr(rejected + prompt_end, human_mark)) {
        out->drop_reason = "no_shared_prompt";
        return RGTG_OK;
    }
    size_t prompt_start = 0;
    while (chosen[prompt_start] == '\n') prompt_start++;
    out->prompt = rgtg_copy_text(chosen + prompt_start, prompt_end - prompt_start);
    out->chosen = rgtg_copy_text(chosen + prompt_end, strlen(chosen + prompt_end));
    out->rejected = rgtg_copy_text(rejected + prompt_end, strlen(rejected + prompt_end));
    if (!out->prompt || !out->chosen || !out->rejected) return rgtg_out_of_memory(place);
    return RGTG_OK;
}

bool rgtg_hh_looks_like(const json_t *row) {
    const json_t *chosen = json_object_get(row, "chosen");
    return json_is_string(json_object_get(row, "rejected")) && json_is_string(chosen) &&
           !json_object_get(row, "prompt") && strstr(json_string_value(chosen), "Assistant:");
}
