/* tests/test_parity.c: the C model against the independent PyTorch reference (tests/reference/
 * llama_ref.py), tensor by tensor, the llm.c way: logits or rewards (right- and left-padded batches),
 * final hidden states, the loss, every gradient after one backward, and the weights after one AdamW
 * step; for reward models also the reward per sequence, read where transformers reads it (the last
 * token that is not the pad id). Cases cover LLaMA, Qwen2 (q/k/v biases), attention_bias, explicit
 * head_dim, and linear and llama3 rope scaling. Usage: test_parity DIR CASE... (each DIR/CASE made by
 * `llama_ref.py dump`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model.h"
#include "../core/safetensors.h"
#include "../train/losses.h"

#define REL_TOL 1e-4

static int failures;

static tt_t ref_tensor(const rgtg_st_file_t *ref, const char *name) {
    const rgtg_st_tensor_t *t = rgtg_st_find(ref, name);
    if (!t) {
        printf("FAIL missing reference tensor %s\n", name);
        failures++;
        return NULL;
    }
    return tt_from_host(t->data, t->shape, t->ndim, t->dtype, TT_CPU);
}

/* max |got - want| / (1 + |want|) over the entries where mask (broadcast) is set; prints it. */
static void compare(const char *what, tt_t got, tt_t want, tt_t mask) {
    if (!got || !want) {
        printf("FAIL %s: %s\n", what, got ? "no reference" : rgtg_error_message());
        failures++;
        return;
    }
    tt_t diff = tt_div(tt_abs(tt_sub(tt_to(got, TT_F32, TT_CPU), want)), tt_add_scalar(tt_abs(want), 1.0));
    if (mask) diff = tt_mul(diff, tt_to(mask, TT_F32, TT_CPU));
    double worst = tt_item(tt_max_dim(tt_reshape(diff, (int64_t[]){-1}, 1), 0, false, NULL));
    bool ok = worst <= REL_TOL;
    printf("%s %-48s max rel diff %.3g\n", ok ? "ok  " : "FAIL", what, worst);
    if (!ok) failures++;
}

/* rgtg_model_sequence_rewards on the reference's sequences (BOS + ids, right-padded), two a batch. */
static void compare_sequence_rewards(const rgtg_model_t *m, const rgtg_st_file_t *ref, const char *name) {
    const rgtg_st_tensor_t *ids = rgtg_st_find(ref, "seq_input_ids"), *lens = rgtg_st_find(ref, "seq_lengths");
    if (!ids || !lens || ids->dtype != TT_I64 || lens->dtype != TT_I64) {
        printf("FAIL %s: no int64 seq_input_ids / seq_lengths in the reference\n", name);
        failures++;
        return;
    }
    int64_t n = ids->shape[0], width = ids->shape[1];
    const int64_t *all = ids->data, *lengths = lens->data;
    const int64_t *seqs[16];
    float got[16];
    for (int64_t i = 0; i < n && i < 16; i++) seqs[i] = all + i * width + 1; /* after BOS */
    bool grad = tt_set_grad_enabled(false);
    rgtg_status_t st = n <= 16 ? rgtg_model_sequence_rewards(m, seqs, lengths, n, 2, got)
                               : rgtg_error_set(RGTG_ERR_INVALID, "too many sequences");
    tt_set_grad_enabled(grad);
    char label[256];
    snprintf(label, sizeof label, "%s rewards per sequence", name);
    compare(label, st == RGTG_OK ? tt_from_host(got, (int64_t[]){n}, 1, TT_F32, TT_CPU) : NULL,
            ref_tensor(ref, "seq_rewards"), NULL);
}

static void run_case(const char *root, const char *name) {
    char dir[1024], ref_path[1100];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    snprintf(ref_path, sizeof ref_path, "%s/ref.safetensors", dir);
    rgtg_model_t *m;
    rgtg_st_file_t *ref;
    if (rgtg_model_load(dir, TT_CPU, &m) != RGTG_OK || rgtg_st_open(ref_path, &ref) != RGTG_OK) {
        printf("FAIL %s: %s\n", name, rgtg_error_message());
        failures++;
        rgtg_error_clear();
        return;
    }
    printf("== %s (%s, %d heads, %d kv heads, tied %d)\n", name, rgtg_model_config(m)->head == RGTG_HEAD_LM ? "lm" : "rm",
           rgtg_model_config(m)->num_attention_heads, rgtg_model_config(m)->num_key_value_heads, rgtg_model_config(m)->tie_word_embeddings);
    size_t mark = tt_arena_mark();
    bool lm = rgtg_model_config(m)->head == RGTG_HEAD_LM;
    char label[256];
    tt_t ids = ref_tensor(ref, "input_ids"), mask = ref_tensor(ref, "attention_mask");
    tt_t left_ids = ref_tensor(ref, "left_input_ids"), left_mask = ref_tensor(ref, "left_attention_mask");
    tt_t out_mask = lm ? tt_unsqueeze(mask, -1) : mask, left_out_mask = lm ? tt_unsqueeze(left_mask, -1) : left_mask;

    tt_set_grad_enabled(false);
    tt_t left = rgtg_model_forward(m, left_ids, left_mask);
    snprintf(label, sizeof label, "%s left-padded %s", name, lm ? "logits" : "rewards");
    compare(label, left, ref_tensor(ref, lm ? "left_logits" : "left_rewards"), left_out_mask);
    tt_set_grad_enabled(true);

    for (int p = 0; p < rgtg_model_tensor_count(m); p++) tt_set_requires_grad(rgtg_model_tensor(m, p), true);
    compare("hidden states", rgtg_model_hidden(m, ids, mask), ref_tensor(ref, "hidden"), tt_unsqueeze(mask, -1));
    tt_t out = rgtg_model_forward(m, ids, mask);
    snprintf(label, sizeof label, "%s %s", name, lm ? "logits" : "rewards");
    compare(label, out, ref_tensor(ref, lm ? "logits" : "rewards"), out_mask);
    tt_t loss;
    if (lm) {
        loss = rgtg_loss_sft(out, ids, tt_to(ref_tensor(ref, "labels_mask"), TT_F32, TT_CPU));
    } else {
        tt_t last = tt_add_scalar(tt_sum_dim(mask, 1, false), -1.0);
        loss = rgtg_loss_bradley_terry(out, tt_to(last, TT_I64, TT_CPU), NULL);
    }
    compare("loss", loss, ref_tensor(ref, "loss"), NULL);
    if (!lm) compare_sequence_rewards(m, ref, name);
    if (loss && tt_backward(loss) == RGTG_OK) {
        for (int p = 0; p < rgtg_model_tensor_count(m); p++) {
            snprintf(label, sizeof label, "grad.%s", rgtg_model_tensor_name(m, p));
            compare(label, tt_grad(rgtg_model_tensor(m, p)), ref_tensor(ref, label), NULL);
        }
    } else {
        printf("FAIL backward: %s\n", rgtg_error_message());
        failures++;
    }
    /* one AdamW step from the reference gradients (so that a tiny gradient error cannot be amplified
       by the first step's g / |g| normalisation) */
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) {
        tt_t param = rgtg_model_tensor(m, p);
        int64_t shape[TT_MAX_DIMS];
        int nd = tt_shape(param, shape);
        snprintf(label, sizeof label, "grad.%s", rgtg_model_tensor_name(m, p));
        tt_t g = ref_tensor(ref, label);
        tt_t m1 = tt_zeros(shape, nd, TT_F32, TT_CPU), m2 = tt_zeros(shape, nd, TT_F32, TT_CPU);
        if (tt_adamw_step(param, g, m1, m2, 1, 1e-3, 0.9, 0.95, 1e-8, 0.1) != RGTG_OK) failures++;
        snprintf(label, sizeof label, "adamw.%s", rgtg_model_tensor_name(m, p));
        compare(label, param, ref_tensor(ref, label), NULL);
    }
    tt_arena_release(mark);
    rgtg_st_close(ref);
    rgtg_model_free(m);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_parity DIR CASE...\n");
        return 2;
    }
    tt_set_num_threads(1);
    for (int i = 2; i < argc; i++) run_case(argv[1], argv[i]);
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
