/* tests/test_checkpoint.c: training checkpoints (train/checkpoint): a save after two AdamW steps loads
 * into a differently seeded model bit for bit (weights, moments, step, trainer state) and the next step
 * is identical; keep_last prunes only older checkpoints; find_latest skips truncated, modified,
 * incomplete and unfinished checkpoints with a message and returns the newest valid one; a load that
 * fails (config, tensor count, hash) leaves model, optimizer and state untouched. Files live in a fresh
 * directory under $TMPDIR (or /tmp). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, nftw */
#endif
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/model.h"
#include "../core/rng.h"
#include "../core/safetensors.h"
#include "../train/checkpoint.h"
#include "../train/optim.h"

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static char root_dir[256];

/* root_dir/name; valid until the end of the program (freed by free_paths). */
static char **paths;
static size_t path_count;

static char *in_root(const char *name) {
    char *out = rgtg_path_join(root_dir, name);
    char **grown = realloc(paths, (path_count + 1) * sizeof *paths);
    if (!out || !grown) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    paths = grown;
    paths[path_count++] = out;
    return out;
}

static void free_paths(void) {
    for (size_t i = 0; i < path_count; i++) free(paths[i]);
    free(paths);
}

static rgtg_model_config_t tiny_config(void) {
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = 64, c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2, c.max_position_embeddings = 32;
    return c;
}

static rgtg_optim_params_t tiny_optim(void) {
    rgtg_optim_params_t o = rgtg_optim_default_params();
    o.lr = 1e-2, o.warmup_steps = 1, o.total_steps = 10;
    return o;
}

typedef struct {
    rgtg_model_t *model;
    rgtg_optim_t opt;
} run_t;

static void run_create(run_t *run, rgtg_model_config_t config, uint64_t seed) {
    memset(run, 0, sizeof *run);
    rgtg_optim_params_t o = tiny_optim();
    if (rgtg_model_create(&config, seed, TT_CPU, &run->model) != RGTG_OK ||
        rgtg_optim_init(&run->opt, run->model, &o) != RGTG_OK) {
        fprintf(stderr, "cannot create the model: %s\n", rgtg_error_message());
        exit(1);
    }
    for (int p = 0; p < rgtg_model_tensor_count(run->model); p++) tt_set_requires_grad(rgtg_model_tensor(run->model, p), true);
}

static void run_free(run_t *run) {
    rgtg_optim_free(&run->opt);
    rgtg_model_free(run->model);
}

/* One AdamW step on the loss sum(logits^2) of a fixed batch that depends on step. */
static void train_step(run_t *run, int64_t step) {
    size_t mark = tt_arena_mark();
    int64_t ids[2 * 6];
    for (int i = 0; i < 12; i++) ids[i] = (step * 7 + i * 5) % rgtg_model_config(run->model)->vocab_size;
    tt_t logits = rgtg_model_forward(run->model, tt_from_host(ids, (int64_t[]){2, 6}, 2, TT_I64, TT_CPU), NULL);
    tt_t loss = tt_sum(tt_mul(logits, logits));
    rgtg_status_t st = loss ? tt_backward(loss) : RGTG_ERR_TORCH;
    if (st == RGTG_OK) st = rgtg_optim_step(&run->opt, run->model, NULL, NULL);
    CHECK_MSG(st == RGTG_OK, "training step %lld", (long long)step);
    tt_arena_release(mark);
}

/* Every parameter and moment as host floats, in one buffer. */
typedef struct {
    float *data;
    size_t n;
} snapshot_t;

static snapshot_t snapshot(const run_t *run) {
    snapshot_t s = {0};
    for (int p = 0; p < rgtg_model_tensor_count(run->model); p++) s.n += 3 * (size_t)tt_numel(rgtg_model_tensor(run->model, p));
    s.data = malloc(s.n * sizeof(float));
    size_t at = 0;
    for (int p = 0; p < rgtg_model_tensor_count(run->model); p++) {
        tt_t ts[3] = {rgtg_model_tensor(run->model, p), run->opt.exp_avg[p], run->opt.exp_avg_sq[p]};
        for (int k = 0; k < 3; k++) {
            size_t n = (size_t)tt_numel(ts[k]);
            CHECK_MSG(tt_to_host(ts[k], TT_F32, s.data + at, n * sizeof(float)) == RGTG_OK, "to host");
            at += n;
        }
    }
    return s;
}

/* Largest absolute difference between two snapshots (INFINITY when sizes differ). */
static double snapshot_diff(snapshot_t a, snapshot_t b) {
    if (a.n != b.n) return INFINITY;
    double worst = 0;
    for (size_t i = 0; i < a.n; i++) {
        double d = fabs((double)a.data[i] - (double)b.data[i]);
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    return memcmp(a.data, b.data, a.n * sizeof(float)) == 0 ? 0 : (worst > 0 ? worst : 1e-300);
}

static rgtg_trainer_state_t make_state(int64_t step) {
    rgtg_trainer_state_t s;
    memset(&s, 0, sizeof s);
    s.step = step;
    const char *names[3] = {"data_order", "dropout", "sampling"};
    for (int i = 0; i < 3; i++) {
        rgtg_rng_t rng;
        rgtg_rng_seed(&rng, 1234 + (uint64_t)step, (uint64_t)i + 1);
        for (int k = 0; k < i + 3; k++) rgtg_rng_next_u64(&rng);
        CHECK_MSG(rgtg_trainer_state_put_rng(&s, names[i], &rng) == RGTG_OK, "put rng %s", names[i]);
    }
    s.rng[0].words[0] = UINT64_MAX; /* beyond a double's 53 bits: the encoding must be lossless */
    s.epoch = 3, s.cursor = 17, s.examples = 40;
    rgtg_rng_t epoch;
    rgtg_rng_seed(&epoch, 99, 1);
    rgtg_rng_state_get(&epoch, s.epoch_rng);
    s.seed = 0xFEDCBA9876543210ULL;
    s.world_size = 2, s.micro_batch = 4, s.grad_accum = 3;
    return s;
}

static bool states_equal(const rgtg_trainer_state_t *a, const rgtg_trainer_state_t *b) {
    return a->step == b->step && a->rng_count == b->rng_count &&
           !memcmp(a->rng, b->rng, sizeof a->rng[0] * (size_t)a->rng_count) && a->epoch == b->epoch &&
           a->cursor == b->cursor && a->examples == b->examples && !memcmp(a->epoch_rng, b->epoch_rng, sizeof a->epoch_rng) &&
           a->seed == b->seed && a->world_size == b->world_size && a->micro_batch == b->micro_batch &&
           a->grad_accum == b->grad_accum;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static bool exists(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return rgtg_path_exists(path);
}

static void save_or_fail(const char *out, int64_t step, const run_t *run, int keep_last) {
    rgtg_trainer_state_t s = make_state(step);
    CHECK_MSG(rgtg_checkpoint_save(out, step, run->model, &run->opt, &s, NULL, keep_last) == RGTG_OK,
              "save %s step %lld", out, (long long)step);
    rgtg_error_clear();
}

/* Runs find_latest with stderr captured into *log_out (malloc'd). */
static rgtg_status_t find_latest_logged(const char *out, char **dir_out, char **log_out) {
    char *log_path = in_root("find_latest.log");
    fflush(stderr);
    int saved = dup(2), fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    rgtg_status_t st = rgtg_checkpoint_find_latest(out, dir_out);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t size;
    if (rgtg_read_file(log_path, log_out, &size) != RGTG_OK) *log_out = strdup("");
    return st;
}

static void corrupt_byte(const char *path, long offset) {
    FILE *fp = fopen(path, "r+b");
    CHECK_MSG(fp != NULL, "open %s", path);
    if (!fp) return;
    fseek(fp, offset, SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, offset, SEEK_SET);
    fputc(c ^ 0x01, fp);
    fclose(fp);
}

static void truncate_half(const char *path) {
    struct stat st;
    CHECK_MSG(stat(path, &st) == 0 && truncate(path, st.st_size / 2) == 0, "truncate %s", path);
}

/* ---- tests ---- */

static void test_round_trip_and_exact_resume(void) {
    run_t a, b;
    run_create(&a, tiny_config(), 1);
    train_step(&a, 1);
    train_step(&a, 2);
    const char *tok = in_root("tokenizer.model");
    CHECK_MSG(rgtg_write_file_atomic(tok, "not really a tokenizer\n", 23) == RGTG_OK, "write tokenizer");
    rgtg_trainer_state_t saved = make_state(2);
    const char *out = in_root("run");
    CHECK_MSG(rgtg_checkpoint_save(out, 2, a.model, &a.opt, &saved, tok, 0) == RGTG_OK, "save");
    const char *dir = in_root("run/checkpoint-2");
    const char *files[] = {"config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json",
                           "tokenizer.model"};
    for (int i = 0; i < 5; i++) CHECK_MSG(exists(dir, files[i]), "%s in the checkpoint", files[i]);
    char tmp_glob[64];
    snprintf(tmp_glob, sizeof tmp_glob, ".checkpoint-2.tmp.%ld", (long)getpid());
    CHECK_MSG(!exists(out, tmp_glob), "no temporary directory left");

    run_create(&b, tiny_config(), 2);
    snapshot_t sa = snapshot(&a), sb = snapshot(&b);
    CHECK_MSG(snapshot_diff(sa, sb) > 0, "different seeds give different weights");
    free(sb.data);
    rgtg_trainer_state_t loaded;
    memset(&loaded, 0, sizeof loaded);
    CHECK_MSG(rgtg_checkpoint_load(dir, b.model, &b.opt, &loaded) == RGTG_OK, "load");
    sb = snapshot(&b);
    double diff = snapshot_diff(sa, sb);
    printf("round trip: max |diff| over %zu weights and moments = %g\n", sa.n, diff);
    CHECK_MSG(diff == 0, "weights and moments equal after load (max diff %g)", diff);
    CHECK_MSG(b.opt.step == 2, "optimizer step %lld", (long long)b.opt.step);
    CHECK_MSG(states_equal(&saved, &loaded), "trainer state equal after load");
    CHECK_MSG(loaded.rng[0].words[0] == UINT64_MAX, "u64 beyond 2^53 survives");
    CHECK_MSG(loaded.schedule.lr == 1e-2 && loaded.schedule.warmup_steps == 1 && loaded.schedule.total_steps == 10 &&
                  !strcmp(loaded.schedule.name, "cosine") && loaded.schedule.beta2 == a.opt.params.beta2,
              "schedule recorded");
    rgtg_rng_t original, restored;
    rgtg_rng_state_set(&original, saved.rng[1].words);
    CHECK_MSG(rgtg_trainer_state_get_rng(&loaded, "dropout", &restored) == RGTG_OK, "get rng");
    CHECK_MSG(rgtg_rng_next_u64(&original) == rgtg_rng_next_u64(&restored), "restored stream continues identically");
    CHECK_MSG(rgtg_trainer_state_get_rng(&loaded, "nope", &restored) != RGTG_OK, "absent stream refused");
    rgtg_error_clear();
    char *tok_data;
    size_t tok_size;
    CHECK_MSG(rgtg_read_file(in_root("run/checkpoint-2/tokenizer.model"), &tok_data, &tok_size) == RGTG_OK &&
                  tok_size == 23 && !memcmp(tok_data, "not really a tokenizer\n", 23),
              "tokenizer copied");
    free(tok_data);

    /* The resumed run takes the same next step as the uninterrupted one. */
    train_step(&a, 3);
    train_step(&b, 3);
    free(sa.data), free(sb.data);
    sa = snapshot(&a), sb = snapshot(&b);
    diff = snapshot_diff(sa, sb);
    printf("resume: max |diff| after one more step = %g\n", diff);
    CHECK_MSG(diff == 0, "resumed step identical (max diff %g)", diff);

    /* Saving the same step again replaces the checkpoint with a complete new one. */
    rgtg_trainer_state_t again = make_state(2);
    again.cursor = 5;
    CHECK_MSG(rgtg_checkpoint_save(out, 2, a.model, &a.opt, &again, NULL, 0) == RGTG_OK, "save over the same step");
    rgtg_trainer_state_t reread;
    CHECK_MSG(rgtg_checkpoint_validate(dir, &reread) == RGTG_OK && reread.cursor == 5, "same-step save replaced");
    CHECK_MSG(!exists(dir, "tokenizer.model"), "replacement is not merged with the old directory");
    rgtg_error_clear();
    free(sa.data), free(sb.data);
    run_free(&a), run_free(&b);
}

static void test_keep_last(void) {
    run_t a;
    run_create(&a, tiny_config(), 3);
    const char *out = in_root("keep");
    save_or_fail(out, 9, &a, 0); /* a newer checkpoint of an abandoned run: not "older", kept */
    for (int64_t step = 1; step <= 4; step++) save_or_fail(out, step, &a, 2);
    CHECK_MSG(!exists(out, "checkpoint-1") && !exists(out, "checkpoint-2"), "older checkpoints pruned");
    CHECK_MSG(exists(out, "checkpoint-3") && exists(out, "checkpoint-4"), "last two kept");
    CHECK_MSG(exists(out, "checkpoint-9"), "newer checkpoint untouched");
    /* A leftover of a dead process is cleaned up by the next pruning save. */
    char leftover[600];
    snprintf(leftover, sizeof leftover, "%s/.checkpoint-5.tmp.999999999", out);
    CHECK_MSG(rgtg_mkdirs(leftover) == RGTG_OK, "mkdir leftover");
    save_or_fail(out, 5, &a, 2);
    CHECK_MSG(!rgtg_path_exists(leftover), "dead leftover removed");
    CHECK_MSG(!exists(out, "checkpoint-3") && exists(out, "checkpoint-4") && exists(out, "checkpoint-5"), "keep 2 again");
    run_free(&a);
}

static bool contains(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

static void test_find_latest_skips_invalid(void) {
    run_t a;
    run_create(&a, tiny_config(), 4);
    const char *out = in_root("latest");
    char *found = (char *)"sentinel", *log = NULL;
    CHECK_MSG(rgtg_checkpoint_find_latest(in_root("no-such-dir"), &found) == RGTG_OK && found == NULL,
              "missing directory: none");
    for (int64_t step = 1; step <= 6; step++) save_or_fail(out, step, &a, 0);
    CHECK_MSG(rgtg_checkpoint_find_latest(out, &found) == RGTG_OK && found && contains(found, "/checkpoint-6"),
              "all valid: newest");
    free(found);

    truncate_half(in_root("latest/checkpoint-3/model.safetensors"));
    corrupt_byte(in_root("latest/checkpoint-4/optimizer.safetensors"), 200);
    CHECK_MSG(remove(in_root("latest/checkpoint-5/trainer_state.json")) == 0, "remove state");
    /* checkpoint-6: trainer_state.json without its step */
    const char *state6 = in_root("latest/checkpoint-6/trainer_state.json");
    json_t *root = json_load_file(state6, 0, NULL);
    CHECK_MSG(root && json_object_del(root, "step") == 0 && json_dump_file(root, state6, 0) == 0, "edit state");
    json_decref(root);
    /* an unfinished write of a newer step, complete inside but never renamed */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", in_root("latest/checkpoint-2"), in_root("latest/.checkpoint-7.tmp.4242"));
    CHECK_MSG(system(cmd) == 0, "copy leftover");

    rgtg_status_t st = find_latest_logged(out, &found, &log);
    CHECK_MSG(st == RGTG_OK && found && contains(found, "/checkpoint-2") && !contains(found, ".tmp"),
              "newest valid is checkpoint-2, got %s", found ? found : "(none)");
    printf("find_latest log:\n%s", log);
    CHECK_MSG(contains(log, "skipping") && contains(log, "checkpoint-3/model.safetensors: sha256 mismatch"),
              "truncated model reported");
    CHECK_MSG(contains(log, "checkpoint-4/optimizer.safetensors: sha256 mismatch (file changed or partly written)"),
              "modified optimizer reported");
    CHECK_MSG(contains(log, "checkpoint-5/trainer_state.json: missing"), "missing state reported");
    CHECK_MSG(contains(log, "checkpoint-6/trainer_state.json: field 'step' missing"), "missing field reported");
    CHECK_MSG(contains(log, ".checkpoint-7.tmp.4242: an unfinished write"), "leftover reported");
    /* with the slash: the temporary root itself is named rgtg-test-checkpoint-XXXXXX */
    CHECK_MSG(!contains(log, "/checkpoint-1") && !contains(log, "/checkpoint-2:"), "no complaint about valid ones");
    CHECK_MSG(rgtg_error_status() == RGTG_OK, "no error left pending");
    free(found), free(log);

    /* A load of a corrupted checkpoint changes nothing. */
    run_t b;
    run_create(&b, tiny_config(), 5);
    rgtg_trainer_state_t state = make_state(77), before_state = state;
    snapshot_t before = snapshot(&b);
    CHECK_MSG(rgtg_checkpoint_load(in_root("latest/checkpoint-4"), b.model, &b.opt, &state) != RGTG_OK,
              "corrupt checkpoint refused");
    CHECK_MSG(contains(rgtg_error_message(), "optimizer.safetensors: sha256 mismatch"), "message: %s", rgtg_error_message());
    rgtg_error_clear();
    snapshot_t after = snapshot(&b);
    CHECK_MSG(snapshot_diff(before, after) == 0 && b.opt.step == 0 && states_equal(&state, &before_state),
              "failed load left everything unchanged");
    free(before.data), free(after.data);
    run_free(&a), run_free(&b);
}

/* Rewrites dir's model.safetensors with one extra tensor and fixes its recorded hash, so only the
 * tensor check can catch it. */
static void add_extra_tensor(const char *dir) {
    char path[1024], state_path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(state_path, sizeof state_path, "%s/trainer_state.json", dir);
    rgtg_st_file_t *file;
    CHECK_MSG(rgtg_st_open(path, &file) == RGTG_OK, "open weights");
    size_t n = rgtg_st_count(file);
    rgtg_st_tensor_t *tensors = calloc(n + 1, sizeof *tensors);
    for (size_t i = 0; i < n; i++) tensors[i] = *rgtg_st_at(file, i);
    float extra[4] = {1, 2, 3, 4};
    tensors[n] = (rgtg_st_tensor_t){.name = "model.extra.weight", .dtype = TT_F32, .ndim = 1, .shape = {4},
                                    .data = extra, .nbytes = sizeof extra};
    CHECK_MSG(rgtg_st_write(path, tensors, n + 1, (const char *[]){"format", "pt", NULL}) == RGTG_OK, "rewrite weights");
    free(tensors);
    rgtg_st_close(file);
    char hex[65];
    CHECK_MSG(rgtg_sha256_file(path, hex) == RGTG_OK, "hash");
    json_t *root = json_load_file(state_path, 0, NULL);
    CHECK_MSG(root && json_object_set_new(json_object_get(root, "files"), "model.safetensors", json_string(hex)) == 0 &&
                  json_dump_file(root, state_path, JSON_INDENT(2)) == 0,
              "fix hash");
    json_decref(root);
}

static void test_load_mismatch_leaves_target_unchanged(void) {
    run_t a;
    run_create(&a, tiny_config(), 6);
    train_step(&a, 1);
    const char *out = in_root("mismatch");
    save_or_fail(out, 1, &a, 0);
    const char *dir = in_root("mismatch/checkpoint-1");

    rgtg_model_config_t other = tiny_config();
    other.intermediate_size = 96;
    run_t c;
    run_create(&c, other, 7);
    train_step(&c, 1);
    rgtg_trainer_state_t state = make_state(5), before_state = state;
    snapshot_t before = snapshot(&c);
    CHECK_MSG(rgtg_checkpoint_load(dir, c.model, &c.opt, &state) != RGTG_OK, "config mismatch refused");
    printf("config mismatch: %s\n", rgtg_error_message());
    CHECK_MSG(contains(rgtg_error_message(), "config.json: intermediate_size 64 differs from the run's 96"),
              "message names the field");
    rgtg_error_clear();
    snapshot_t after = snapshot(&c);
    CHECK_MSG(snapshot_diff(before, after) == 0 && c.opt.step == 1 && states_equal(&state, &before_state),
              "mismatched load left the target unchanged");
    free(before.data), free(after.data);
    run_free(&c);

    /* Same config, but the file holds one tensor more than the model (hashes consistent). */
    add_extra_tensor(dir);
    run_t d;
    run_create(&d, tiny_config(), 8);
    before = snapshot(&d);
    CHECK_MSG(rgtg_checkpoint_load(dir, d.model, &d.opt, &state) != RGTG_OK, "extra tensor refused");
    printf("tensor count mismatch: %s\n", rgtg_error_message());
    char expected[128];
    snprintf(expected, sizeof expected, "model has %d tensors, the run's model has %d", rgtg_model_tensor_count(d.model) + 1,
             rgtg_model_tensor_count(d.model));
    CHECK_MSG(contains(rgtg_error_message(), expected), "message counts tensors");
    rgtg_error_clear();
    after = snapshot(&d);
    CHECK_MSG(snapshot_diff(before, after) == 0 && d.opt.step == 0, "target unchanged");
    free(before.data), free(after.data);
    run_free(&d), run_free(&a);
}

static void test_bad_arguments(void) {
    run_t a;
    run_create(&a, tiny_config(), 9);
    rgtg_trainer_state_t s = make_state(3);
    CHECK_MSG(rgtg_checkpoint_save(in_root("bad"), 4, a.model, &a.opt, &s, NULL, 0) == RGTG_ERR_INVALID,
              "state step must match");
    rgtg_error_clear();
    s = make_state(4);
    memset(s.rng[1].words, 0, sizeof s.rng[1].words);
    CHECK_MSG(rgtg_checkpoint_save(in_root("bad"), 4, a.model, &a.opt, &s, NULL, 0) == RGTG_ERR_INVALID,
              "all-zero RNG refused");
    rgtg_error_clear();
    s = make_state(4);
    memset(s.epoch_rng, 0, sizeof s.epoch_rng);
    CHECK_MSG(rgtg_checkpoint_save(in_root("bad"), 4, a.model, &a.opt, &s, NULL, 0) == RGTG_ERR_INVALID,
              "all-zero epoch RNG refused");
    rgtg_error_clear();
    s = make_state(4);
    CHECK_MSG(rgtg_checkpoint_save(in_root("bad"), 4, a.model, &a.opt, &s, in_root("no-tokenizer"), 0) != RGTG_OK,
              "missing tokenizer refused");
    rgtg_error_clear();
    CHECK_MSG(!exists(in_root("bad"), "checkpoint-4"), "failed save leaves no checkpoint");
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".checkpoint-4.tmp.%ld", (long)getpid());
    CHECK_MSG(!exists(in_root("bad"), tmp), "failed save removes its temporary directory");
    run_free(&a);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(root_dir, sizeof root_dir, "%s/rgtg-test-checkpoint-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip_and_exact_resume();
    test_keep_last();
    test_find_latest_skips_invalid();
    test_load_mismatch_leaves_target_unchanged();
    test_bad_arguments();
    remove_tree(root_dir);
    free_paths();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all checkpoint tests passed\n");
    return 0;
}
