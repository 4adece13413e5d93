/* data/read_jsonl.c: the generic preference JSONL row {"prompt": str, "chosen": str, "rejected": str}
 * (other keys ignored). */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "read_common.h"
#include "read_formats.h"

rgtg_status_t rgtg_jsonl_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    const char *prompt, *chosen, *rejected;
    rgtg_status_t st = rgtg_string_field(row, "prompt", place, "a string", &prompt);
    if (st == RGTG_OK) st = rgtg_string_field(row, "chosen", place, "a string", &chosen);
    if (st == RGTG_OK) st = rgtg_string_field(row, "rejected", place, "a string", &rejected);
    if (st != RGTG_OK) return st;
    out->prompt = rgtg_copy_text(prompt, strlen(prompt));
    out->chosen = rgtg_copy_text(chosen, strlen(chosen));
    out->rejected = rgtg_copy_text(rejected, strlen(rejected));
    if (!out->prompt || !out->chosen || !out->rejected) return rgtg_out_of_memory(place);
    return RGTG_OK;
}

bool rgtg_jsonl_looks_like(const json_t *row) {
    return json_is_string(json_object_get(row, "prompt")) && json_is_string(json_object_get(row, "chosen")) &&
           json_is_string(json_object_get(row, "rejected"));
}
