/* tests/fuzz_generations.c: libFuzzer target for the generations reader (core/generations.c): the input
 * is a generations.jsonl. Rows that read must write back (rgtg_gen_write_all) and read back the same.
 * Seeds: tests/fuzz_corpus/generations/. Build: tests/run_fuzz.sh generations. */
#include "core/generations.h"
#include "fuzz_util.h"

static bool same_text(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static bool same_row(const rgtg_generation_t *a, const rgtg_generation_t *b) {
    bool same = a->id == b->id && same_text(a->prompt, b->prompt) && same_text(a->response, b->response) &&
                same_text(a->reference, b->reference) && same_text(a->method, b->method) &&
                a->token_count == b->token_count && a->new_tokens == b->new_tokens && a->seconds == b->seconds &&
                a->finished == b->finished && a->has_reward == b->has_reward && (!a->has_reward || a->reward == b->reward);
    for (size_t i = 0; same && i < a->token_count; i++) same = a->tokens[i] == b->tokens[i];
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_path("gens.jsonl"), *again = fuzz_path("again.jsonl");
    fuzz_write(path, data, size);
    rgtg_generation_t *rows = NULL, *back = NULL;
    size_t count = 0, back_count = 0;
    if (rgtg_gen_read(path, &rows, &count) == RGTG_OK) {
        FUZZ_ASSERT(rgtg_gen_write_all(again, rows, count) == RGTG_OK, "rows that read do not write: %s",
                    rgtg_error_message());
        FUZZ_ASSERT(rgtg_gen_read(again, &back, &back_count) == RGTG_OK, "written rows do not read: %s",
                    rgtg_error_message());
        FUZZ_ASSERT(back_count == count, "%zu rows became %zu", count, back_count);
        for (size_t i = 0; i < count; i++) {
            FUZZ_ASSERT(same_row(&rows[i], &back[i]), "row %zu changed on a write and read", i);
            double v;
            if (rgtg_gen_param_number(&rows[i], "k", &v) != RGTG_OK) rgtg_error_clear();
        }
        rgtg_gen_free(back, back_count);
        rgtg_gen_free(rows, count);
    }
    rgtg_error_clear();
    return 0;
}
