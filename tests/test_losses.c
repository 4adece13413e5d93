/* tests/test_losses.c: the training objectives of train/losses.c (dense Bradley-Terry and its index
 * builder, sequence log-probability, DPO, value MSE and BCE) against the independent PyTorch loops of
 * tests/reference/losses_ref.py: loss, accuracy/margin and gradient, on random inputs (gradient w.r.t.
 * the input tensor) and through tiny models (gradient w.r.t. every parameter); plus hand-checked
 * index arrays and the argument errors. Usage: test_losses DIR (made by `losses_ref.py dump`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model.h"
#include "../core/safetensors.h"
#include "../train/losses.h"

#define REL_TOL 1e-4

static int failures;
static rgtg_st_file_t *ref;

static void fail(const char *what, const char *why) {
    printf("FAIL %s: %s\n", what, why);
    failures++;
    rgtg_error_clear();
}

static tt_t ref_tensor(const char *name) {
    const rgtg_st_tensor_t *t = rgtg_st_find(ref, name);
    if (!t) {
        fail(name, "missing reference tensor");
        return NULL;
    }
    return tt_from_host(t->data, t->shape, t->ndim, t->dtype, TT_CPU);
}

static double ref_scalar(const char *name) {
    tt_t t = ref_tensor(name);
    return t ? tt_item(t) : NAN;
}

/* A 1-D int64 reference tensor copied to host memory (the mapping may be unaligned); its length. */
static int64_t ref_i64(const char *name, int64_t *out, int64_t capacity) {
    const rgtg_st_tensor_t *t = rgtg_st_find(ref, name);
    if (!t || t->dtype != TT_I64 || t->ndim != 1 || t->shape[0] > capacity) {
        fail(name, "missing or not a short 1-D int64 reference tensor");
        return 0;
    }
    memcpy(out, t->data, t->nbytes);
    return t->shape[0];
}

/* max |got - want| / max |want| (normwise relative difference); prints it. */
static void compare(const char *what, tt_t got, tt_t want) {
    if (!got || !want) {
        fail(what, got ? "no reference" : rgtg_error_message());
        return;
    }
    tt_t g = tt_reshape(tt_to(got, TT_F64, TT_CPU), (int64_t[]){-1}, 1);
    tt_t w = tt_reshape(tt_to(want, TT_F64, TT_CPU), (int64_t[]){-1}, 1);
    if (!g || !w || tt_numel(g) != tt_numel(w)) {
        fail(what, "shape differs from the reference");
        return;
    }
    double diff = tt_item(tt_max_dim(tt_abs(tt_sub(g, w)), 0, false, NULL));
    double scale = tt_item(tt_max_dim(tt_abs(w), 0, false, NULL));
    double rel = diff / (scale > 1e-12 ? scale : 1e-12);
    bool ok = rel <= REL_TOL;
    printf("%s %-56s max rel diff %.3g\n", ok ? "ok  " : "FAIL", what, rel);
    if (!ok) failures++;
}

static void compare_value(const char *what, double got, double want) {
    double rel = fabs(got - want) / (fabs(want) > 1e-12 ? fabs(want) : 1e-12);
    bool ok = rel <= REL_TOL;  /* NaN fails */
    printf("%s %-56s %.8f vs %.8f (rel %.3g)\n", ok ? "ok  " : "FAIL", what, got, want, rel);
    if (!ok) failures++;
}

/* The dense Bradley-Terry loss with index arrays built from DIR's prefix.{prompt,chosen,rejected}_len. */
static tt_t dense_loss(tt_t rewards, const char *prefix, double *accuracy) {
    char name[128];
    int64_t prompt[16], chosen[16], rejected[16], M;
    snprintf(name, sizeof name, "%s.prompt_len", prefix);
    int64_t pairs = ref_i64(name, prompt, 16);
    snprintf(name, sizeof name, "%s.chosen_len", prefix);
    ref_i64(name, chosen, 16);
    snprintf(name, sizeof name, "%s.rejected_len", prefix);
    ref_i64(name, rejected, 16);
    int64_t *c, *r;
    float *w;
    if (rgtg_dense_indices(prompt, chosen, rejected, pairs, &M, &c, &r, &w) != RGTG_OK) {
        fail(prefix, rgtg_error_message());
        return NULL;
    }
    int64_t shape[2] = {pairs, M};
    tt_t loss = rgtg_loss_bt_dense(rewards, tt_from_host(c, shape, 2, TT_I64, TT_CPU),
                                   tt_from_host(r, shape, 2, TT_I64, TT_CPU), tt_from_host(w, shape, 2, TT_F32, TT_CPU),
                                   accuracy);
    free(c);
    free(r);
    free(w);
    return loss;
}

static bool backward(const char *what, tt_t loss) {
    if (loss && tt_backward(loss) == RGTG_OK) return true;
    fail(what, rgtg_error_message());
    return false;
}

/* ---- hand-checked index arrays and argument errors ---- */

static void test_dense_indices_by_hand(void) {
    /* pair 0: P 3, Lc 2, Lr 4 (the preferred side stops at its EOS); pair 1: P 1, Lc = Lr = 1 */
    const int64_t prompt[2] = {3, 1}, chosen[2] = {2, 1}, rejected[2] = {4, 1};
    const int64_t want_c[8] = {3, 4, 4, 4, 1, 1, 1, 1}, want_r[8] = {3, 4, 5, 6, 1, 1, 1, 1};
    const float want_w[8] = {1, 1, 1, 1, 1, 0, 0, 0};
    int64_t M = 0, *c, *r;
    float *w;
    if (rgtg_dense_indices(prompt, chosen, rejected, 2, &M, &c, &r, &w) != RGTG_OK) {
        fail("dense indices by hand", rgtg_error_message());
        return;
    }
    bool ok = M == 4 && !memcmp(c, want_c, sizeof want_c) && !memcmp(r, want_r, sizeof want_r) &&
              !memcmp(w, want_w, sizeof want_w);
    printf("%s dense indices by hand (M %lld)\n", ok ? "ok  " : "FAIL", (long long)M);
    failures += !ok;
    free(c);
    free(r);
    free(w);

    const int64_t empty[2] = {2, 0};
    ok = rgtg_dense_indices(prompt, empty, rejected, 2, &M, &c, &r, &w) == RGTG_ERR_INVALID && !c && !r && !w;
    printf("%s dense indices refuse an empty response: %s\n", ok ? "ok  " : "FAIL", rgtg_error_message());
    failures += !ok;
    rgtg_error_clear();
}

/* Each call is checked right after it runs: a pending error message is never overwritten. */
static void expect_invalid(const char *what, tt_t got) {
    bool ok = got == NULL && rgtg_error_status() == RGTG_ERR_INVALID;
    printf("%s %s: %s\n", ok ? "ok  " : "FAIL", what, rgtg_error_message());
    failures += !ok;
    rgtg_error_clear();
}

static void test_argument_errors(void) {
    size_t mark = tt_arena_mark();
    tt_t three = tt_zeros((int64_t[]){3}, 1, TT_F32, TT_CPU), four = tt_zeros((int64_t[]){4}, 1, TT_F32, TT_CPU);
    tt_t odd_rewards = tt_zeros((int64_t[]){3, 5}, 2, TT_F32, TT_CPU), values = odd_rewards;
    tt_t index = tt_zeros((int64_t[]){1, 2}, 2, TT_I64, TT_CPU), weight = tt_zeros((int64_t[]){1, 2}, 2, TT_F32, TT_CPU);
    expect_invalid("DPO refuses beta 0", rgtg_loss_dpo(four, four, 0.0, NULL, NULL));
    expect_invalid("DPO refuses an odd row count", rgtg_loss_dpo(three, three, 0.1, NULL, NULL));
    expect_invalid("DPO refuses mismatched sizes", rgtg_loss_dpo(four, three, 0.1, NULL, NULL));
    expect_invalid("dense BT refuses odd rows", rgtg_loss_bt_dense(odd_rewards, index, index, weight, NULL));
    expect_invalid("dense BT refuses a misshaped weight",
                   rgtg_loss_bt_dense(tt_zeros((int64_t[]){2, 5}, 2, TT_F32, TT_CPU), index, index, four, NULL));
    expect_invalid("value MSE refuses a [B+1] target", rgtg_loss_value_mse(values, four, values));
    expect_invalid("value BCE refuses a [B+1] label", rgtg_loss_value_bce(values, four, values));
    tt_arena_release(mark);
}

/* ---- random inputs: gradients w.r.t. the input tensor ---- */

static void test_random(void) {
    size_t mark = tt_arena_mark();
    double accuracy = NAN, margin = NAN;

    tt_t rewards = ref_tensor("bt_dense.rewards");
    tt_set_requires_grad(rewards, true);
    tt_t loss = dense_loss(rewards, "bt_dense", &accuracy);
    compare("random dense BT loss", loss, ref_tensor("bt_dense.loss"));
    compare_value("random dense BT accuracy", accuracy, ref_scalar("bt_dense.accuracy"));
    if (backward("random dense BT", loss)) compare("random dense BT grad w.r.t. rewards", tt_grad(rewards),
                                                   ref_tensor("bt_dense.grad"));

    tt_t logits = ref_tensor("dpo.logits");
    tt_set_requires_grad(logits, true);
    tt_t policy = rgtg_sequence_logprob(logits, ref_tensor("dpo.ids"), ref_tensor("dpo.loss_mask"));
    compare("random sequence logprob", policy, ref_tensor("dpo.policy_logp"));
    loss = rgtg_loss_dpo(policy, ref_tensor("dpo.reference_logp"), ref_scalar("dpo.beta"), &accuracy, &margin);
    compare("random DPO loss", loss, ref_tensor("dpo.loss"));
    compare_value("random DPO accuracy", accuracy, ref_scalar("dpo.accuracy"));
    compare_value("random DPO mean margin", margin, ref_scalar("dpo.margin"));
    if (backward("random DPO", loss)) compare("random DPO grad w.r.t. logits", tt_grad(logits), ref_tensor("dpo.grad"));

    tt_t values = ref_tensor("value.values"), mask = ref_tensor("value.mask");
    tt_set_requires_grad(values, true);
    const char *names[3] = {"mse", "bce", "bce_soft"}, *targets[3] = {"value.target", "value.label", "value.label_soft"};
    for (int i = 0; i < 3; i++) {
        char what[128], key[128];
        tt_zero_grad(values);
        loss = i == 0 ? rgtg_loss_value_mse(values, ref_tensor(targets[i]), mask)
                      : rgtg_loss_value_bce(values, ref_tensor(targets[i]), mask);
        snprintf(what, sizeof what, "random value %s loss", names[i]);
        snprintf(key, sizeof key, "value.%s", names[i]);
        compare(what, loss, ref_tensor(key));
        if (!backward(what, loss)) continue;
        snprintf(what, sizeof what, "random value %s grad w.r.t. values", names[i]);
        snprintf(key, sizeof key, "value.%s_grad", names[i]);
        compare(what, tt_grad(values), ref_tensor(key));
    }
    tt_arena_release(mark);
}

/* ---- tiny models: gradients w.r.t. every parameter ---- */

static void compare_param_grads(const rgtg_model_t *m, const char *prefix) {
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) {
        char key[256];
        snprintf(key, sizeof key, "%s.grad.%s", prefix, rgtg_model_tensor_name(m, p));
        compare(key, tt_grad(rgtg_model_tensor(m, p)), ref_tensor(key));
    }
}

static void zero_param_grads(const rgtg_model_t *m) {
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) tt_zero_grad(rgtg_model_tensor(m, p));
}

static rgtg_model_t *load_model(const char *root, const char *name) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    rgtg_model_t *m;
    if (rgtg_model_load(dir, TT_CPU, &m) != RGTG_OK) {
        fail(dir, rgtg_error_message());
        return NULL;
    }
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) tt_set_requires_grad(rgtg_model_tensor(m, p), true);
    return m;
}

static void test_reward_model(const char *root) {
    rgtg_model_t *m = load_model(root, "rm");
    if (!m) return;
    size_t mark = tt_arena_mark();
    double accuracy = NAN;
    tt_t ids = ref_tensor("rm.ids"), mask = ref_tensor("rm.mask"), response = ref_tensor("rm.value_mask");

    tt_t loss = dense_loss(rgtg_model_forward(m, ids, mask), "rm", &accuracy);
    compare("model dense BT loss", loss, ref_tensor("rm.bt_dense.loss"));
    compare_value("model dense BT accuracy", accuracy, ref_scalar("rm.bt_dense.accuracy"));
    if (backward("model dense BT", loss)) compare_param_grads(m, "rm.bt_dense");

    zero_param_grads(m);
    loss = rgtg_loss_value_mse(rgtg_model_forward(m, ids, mask), ref_tensor("rm.target"), response);
    compare("model value MSE loss", loss, ref_tensor("rm.value_mse.loss"));
    if (backward("model value MSE", loss)) compare_param_grads(m, "rm.value_mse");

    zero_param_grads(m);
    loss = rgtg_loss_value_bce(rgtg_model_forward(m, ids, mask), ref_tensor("rm.label"), response);
    compare("model value BCE loss", loss, ref_tensor("rm.value_bce.loss"));
    if (backward("model value BCE", loss)) compare_param_grads(m, "rm.value_bce");
    tt_arena_release(mark);
    rgtg_model_free(m);
}

static void test_policy(const char *root) {
    rgtg_model_t *m = load_model(root, "lm");
    if (!m) return;
    size_t mark = tt_arena_mark();
    double accuracy = NAN, margin = NAN, beta = ref_scalar("lm.beta");
    tt_t ids = ref_tensor("lm.ids"), mask = ref_tensor("lm.mask"), loss_mask = ref_tensor("lm.loss_mask");

    tt_t policy = rgtg_sequence_logprob(rgtg_model_forward(m, ids, mask), ids, loss_mask);
    compare("model sequence logprob", policy, ref_tensor("lm.policy_logp"));
    tt_t loss = rgtg_loss_dpo(policy, ref_tensor("lm.reference_logp"), beta, &accuracy, &margin);
    compare("model DPO loss", loss, ref_tensor("lm.dpo.loss"));
    compare_value("model DPO accuracy", accuracy, ref_scalar("lm.dpo.accuracy"));
    compare_value("model DPO mean margin", margin, ref_scalar("lm.dpo.margin"));
    if (backward("model DPO", loss)) compare_param_grads(m, "lm.dpo");

    /* the reference is the policy's own (undetached) output: the loss must detach it */
    zero_param_grads(m);
    policy = rgtg_sequence_logprob(rgtg_model_forward(m, ids, mask), ids, loss_mask);
    loss = rgtg_loss_dpo(policy, policy, beta, NULL, NULL);
    compare("model DPO against itself loss", loss, ref_tensor("lm.dpo_self.loss"));
    if (backward("model DPO against itself", loss)) compare_param_grads(m, "lm.dpo_self");
    tt_arena_release(mark);
    rgtg_model_free(m);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_losses DIR\n");
        return 2;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/losses.safetensors", argv[1]);
    if (rgtg_st_open(path, &ref) != RGTG_OK) {
        fprintf(stderr, "test_losses: %s\n", rgtg_error_message());
        return 1;
    }
    tt_set_num_threads(1);
    test_dense_indices_by_hand();
    test_argument_errors();
    test_random();
    test_reward_model(argv[1]);
    test_policy(argv[1]);
    rgtg_st_close(ref);
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
