/* train/checkpoint.c: training checkpoints (see checkpoint.h): atomic directory save with hashes,
 * validation, in-place load that checks everything before writing, newest-valid lookup, pruning. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* kill, vasprintf */
#endif
#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/hf_config.h"
#include "../core/json_file.h"
#include "../core/log.h"
#include "../core/safetensors.h"
#include "../core/tokenizer.h"

#define STATE_FORMAT "rgtg-trainer-state"
#define OPTIM_FORMAT "rgtg-adamw"

/* ---- small helpers ---- */

static rgtg_status_t nomem(void) { return rgtg_error_set(RGTG_ERR_NOMEM, "checkpoint: out of memory"); }

static char *path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_printf(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, args) < 0) out = NULL;
    va_end(args);
    return out;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_regular_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "checkpoint-N" with N all decimal digits; false otherwise. */
static bool parse_checkpoint_name(const char *name, int64_t *step_out) {
    size_t prefix = strlen(RGTG_CKPT_PREFIX);
    if (strncmp(name, RGTG_CKPT_PREFIX, prefix) != 0 || !name[prefix]) return false;
    int64_t step = 0;
    for (const char *c = name + prefix; *c; c++) {
        if (*c < '0' || *c > '9' || step > (INT64_MAX - 9) / 10) return false;
        step = step * 10 + (*c - '0');
    }
    *step_out = step;
    return true;
}

typedef struct {
    int64_t step;
    char *path;
} ckpt_entry_t;

static int entry_newest_first(const void *a, const void *b) {
    int64_t x = ((const ckpt_entry_t *)a)->step, y = ((const ckpt_entry_t *)b)->step;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void free_entries(ckpt_entry_t *entries, size_t n) {
    for (size_t i = 0; i < n; i++) free(entries[i].path);
    free(entries);
}

/* Directories OUT/checkpoint-N, newest first; with tmp_out, also OUT/.checkpoint-*.tmp.* (step 0). */
static rgtg_status_t list_dirs(const char *out_dir, ckpt_entry_t **found_out, size_t *n_out,
                               ckpt_entry_t **tmp_out, size_t *n_tmp_out) {
    *found_out = NULL, *n_out = 0;
    if (tmp_out) *tmp_out = NULL, *n_tmp_out = 0;
    DIR *d = opendir(out_dir);
    if (!d) {
        if (errno == ENOENT) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_IO, "%s: cannot list: %s", out_dir, strerror(errno));
    }
    ckpt_entry_t *found = NULL, *tmp = NULL;
    size_t n = 0, n_tmp = 0;
    rgtg_status_t st = RGTG_OK;
    struct dirent *e;
    while (st == RGTG_OK && (e = readdir(d))) {
        int64_t step = 0;
        bool checkpoint = parse_checkpoint_name(e->d_name, &step);
        bool leftover = tmp_out && !strncmp(e->d_name, "." RGTG_CKPT_PREFIX, strlen(RGTG_CKPT_PREFIX) + 1) &&
                        strstr(e->d_name, ".tmp.");
        if (!checkpoint && !leftover) continue;
        char *path = rgtg_path_join(out_dir, e->d_name);
        if (!path) {
            st = nomem();
            break;
        }
        if (!is_dir(path)) {
            free(path);
            continue;
        }
        ckpt_entry_t **list = checkpoint ? &found : &tmp;
        size_t *count = checkpoint ? &n : &n_tmp;
        ckpt_entry_t *grown = realloc(*list, (*count + 1) * sizeof **list);
        if (!grown) {
            free(path);
            st = nomem();
            break;
        }
        *list = grown;
        grown[(*count)++] = (ckpt_entry_t){.step = step, .path = path};
    }
    closedir(d);
    if (st != RGTG_OK) {
        free_entries(found, n);
        free_entries(tmp, n_tmp);
        return st;
    }
    if (n > 1) qsort(found, n, sizeof *found, entry_newest_first);
    *found_out = found, *n_out = n;
    if (tmp_out) *tmp_out = tmp, *n_tmp_out = n_tmp;
    else free_entries(tmp, n_tmp);
    return RGTG_OK;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the regular files in dir other than skip, sorted. */
static rgtg_status_t list_files(const char *dir, const char *skip, char ***names_out, size_t *n_out) {
    *names_out = NULL, *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    rgtg_status_t st = RGTG_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, skip)) continue;
        char *path = rgtg_path_join(dir, e->d_name);
        bool regular = path && is_regular_file(path);
        free(path);
        if (!regular) continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        char *copy = strdup(e->d_name);
        if (!grown || !copy) {
            free(copy);
            if (grown) names = grown;
            st = nomem();
            break;
        }
        names = grown;
        names[n++] = copy;
    }
    closedir(d);
    if (st != RGTG_OK) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        return st;
    }
    qsort(names, n, sizeof *names, compare_strings);
    *names_out = names, *n_out = n;
    return RGTG_OK;
}

/* ---- trainer state: the named RNG streams ---- */

rgtg_status_t rgtg_trainer_state_put_rng(rgtg_trainer_state_t *state, const char *name, const rgtg_rng_t *rng) {
    if (!name || !*name || strlen(name) >= RGTG_CKPT_NAME_CHARS)
        return rgtg_error_set(RGTG_ERR_INVALID, "trainer state: RNG stream name must have 1 to %d characters",
                              RGTG_CKPT_NAME_CHARS - 1);
    int slot = 0;
    while (slot < state->rng_count && strcmp(state->rng[slot].name, name) != 0) slot++;
    if (slot == RGTG_CKPT_MAX_RNG_STREAMS)
        return rgtg_error_set(RGTG_ERR_INVALID, "trainer state: more than %d RNG streams", RGTG_CKPT_MAX_RNG_STREAMS);
    snprintf(state->rng[slot].name, sizeof state->rng[slot].name, "%s", name);
    rgtg_rng_state_get(rng, state->rng[slot].words);
    if (slot == state->rng_count) state->rng_count++;
    return RGTG_OK;
}

rgtg_status_t rgtg_trainer_state_get_rng(const rgtg_trainer_state_t *state, const char *name, rgtg_rng_t *rng) {
    for (int i = 0; i < state->rng_count; i++)
        if (!strcmp(state->rng[i].name, name)) return rgtg_rng_state_set(rng, state->rng[i].words);
    return rgtg_error_set(RGTG_ERR_INVALID, "trainer state: no RNG stream '%s'", name);
}

/* ---- trainer_state.json: writing ---- */

static json_t *u64_string(uint64_t value) {
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, value);
    return json_string(text);
}

static json_t *words_array(const uint64_t words[RGTG_RNG_STATE_WORDS]) {
    json_t *array = json_array();
    for (int i = 0; array && i < RGTG_RNG_STATE_WORDS; i++)
        if (json_array_append_new(array, u64_string(words[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static bool words_all_zero(const uint64_t words[RGTG_RNG_STATE_WORDS]) {
    for (int i = 0; i < RGTG_RNG_STATE_WORDS; i++)
        if (words[i]) return false;
    return true;
}

static rgtg_status_t check_state_for_save(const rgtg_trainer_state_t *s, int64_t step) {
    if (s->step != step)
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: state step %" PRId64 " differs from step %" PRId64, s->step, step);
    if (s->rng_count < 0 || s->rng_count > RGTG_CKPT_MAX_RNG_STREAMS)
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: rng_count %d outside 0..%d", s->rng_count, RGTG_CKPT_MAX_RNG_STREAMS);
    for (int i = 0; i < s->rng_count; i++) {
        const char *name = s->rng[i].name;
        if (!name[0] || !memchr(name, '\0', sizeof s->rng[i].name))
            return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: RNG stream %d has no name", i);
        if (words_all_zero(s->rng[i].words))
            return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: RNG stream '%s' is all zero", name);
        for (int j = 0; j < i; j++)
            if (!strcmp(s->rng[j].name, name))
                return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: RNG stream '%s' appears twice", name);
    }
    if (s->epoch < 0 || s->cursor < 0 || s->examples < 0 || s->cursor > s->examples)
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: data cursor epoch %" PRId64 ", cursor %" PRId64
                              " of %" PRId64 " examples is not valid", s->epoch, s->cursor, s->examples);
    if (words_all_zero(s->epoch_rng))
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: epoch_rng (the data-order state before the epoch's shuffle) is all zero");
    if (s->world_size < 1 || s->micro_batch < 1 || s->grad_accum < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: world_size, micro_batch and grad_accum must be >= 1");
    return RGTG_OK;
}

static json_t *state_to_json(const rgtg_trainer_state_t *s, const rgtg_optim_params_t *o, json_t *files) {
    json_t *rng = json_object();
    for (int i = 0; rng && i < s->rng_count; i++)
        if (json_object_set_new(rng, s->rng[i].name, words_array(s->rng[i].words)) != 0) {
            json_decref(rng);
            rng = NULL;
        }
    json_t *root = json_pack("{s:s, s:i, s:I, s:o, s:{s:I, s:I, s:I, s:o}, "
                             "s:{s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:s, s:f}, s:{s:o, s:i, s:I, s:I}, s:O}",
                             "format", STATE_FORMAT, "format_version", RGTG_CKPT_FORMAT_VERSION,
                             "step", (json_int_t)s->step, "rng", rng,
                             "data", "epoch", (json_int_t)s->epoch, "cursor", (json_int_t)s->cursor,
                             "examples", (json_int_t)s->examples, "epoch_rng", words_array(s->epoch_rng),
                             "schedule", "lr", o->lr, "beta1", o->beta1, "beta2", o->beta2, "eps", o->eps,
                             "weight_decay", o->weight_decay, "grad_clip", o->grad_clip,
                             "warmup_steps", (json_int_t)o->warmup_steps, "total_steps", (json_int_t)o->total_steps,
                             "name", o->schedule ? o->schedule : "constant", "min_lr_ratio", o->min_lr_ratio,
                             "run", "seed", u64_string(s->seed), "world_size", s->world_size,
                             "micro_batch", (json_int_t)s->micro_batch, "grad_accum", (json_int_t)s->grad_accum,
                             "files", files);
    return root;
}

/* ---- trainer_state.json: reading ---- */

typedef struct {
    const char *path; /* for messages */
} reader_t;

static rgtg_status_t field_error(const reader_t *r, const char *section, const char *field, const char *problem) {
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s: field '%s%s%s' %s", r->path, section ? section : "",
                          section ? "." : "", field, problem);
}

static rgtg_status_t get_field(const reader_t *r, json_t *obj, const char *section, const char *field, json_t **out) {
    *out = json_object_get(obj, field);
    return *out ? RGTG_OK : field_error(r, section, field, "missing");
}

static rgtg_status_t get_int(const reader_t *r, json_t *obj, const char *section, const char *field, int64_t min,
                             int64_t *out) {
    json_t *v;
    rgtg_status_t st = get_field(r, obj, section, field, &v);
    if (st != RGTG_OK) return st;
    if (!json_is_integer(v) || json_integer_value(v) < min) {
        char problem[64];
        snprintf(problem, sizeof problem, "must be an integer >= %" PRId64, min);
        return field_error(r, section, field, problem);
    }
    *out = (int64_t)json_integer_value(v);
    return RGTG_OK;
}

static rgtg_status_t get_real(const reader_t *r, json_t *obj, const char *section, const char *field, double *out) {
    json_t *v;
    rgtg_status_t st = get_field(r, obj, section, field, &v);
    if (st != RGTG_OK) return st;
    if (!json_is_number(v) || !isfinite(json_number_value(v))) return field_error(r, section, field, "must be a finite number");
    *out = json_number_value(v);
    return RGTG_OK;
}

static bool parse_u64(const char *text, uint64_t *out) {
    if (!text[0] || strlen(text) > 20) return false;
    uint64_t value = 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9') return false;
        uint64_t digit = (uint64_t)(*c - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

static rgtg_status_t u64_value(const reader_t *r, json_t *v, const char *section, const char *field, uint64_t *out) {
    if (!json_is_string(v) || !parse_u64(json_string_value(v), out))
        return field_error(r, section, field, "must be a decimal string of an unsigned 64-bit integer");
    return RGTG_OK;
}

static rgtg_status_t words_value(const reader_t *r, json_t *v, const char *section, const char *field,
                                 uint64_t words[RGTG_RNG_STATE_WORDS]) {
    if (!json_is_array(v) || json_array_size(v) != RGTG_RNG_STATE_WORDS)
        return field_error(r, section, field, "must be an array of 4 decimal strings");
    for (int i = 0; i < RGTG_RNG_STATE_WORDS; i++) {
        rgtg_status_t st = u64_value(r, json_array_get(v, (size_t)i), section, field, &words[i]);
        if (st != RGTG_OK) return st;
    }
    if (words_all_zero(words)) return field_error(r, section, field, "is an all-zero RNG state");
    return RGTG_OK;
}

static rgtg_status_t get_object(const reader_t *r, json_t *obj, const char *field, json_t **out) {
    rgtg_status_t st = get_field(r, obj, NULL, field, out);
    if (st == RGTG_OK && !json_is_object(*out)) st = field_error(r, NULL, field, "must be an object");
    return st;
}

static rgtg_status_t parse_state(const reader_t *r, json_t *root, rgtg_trainer_state_t *s) {
    memset(s, 0, sizeof *s);
    json_t *v = NULL, *rng = NULL, *data = NULL, *sched = NULL, *run = NULL;
    int64_t version, world_size;
    rgtg_status_t st = get_field(r, root, NULL, "format", &v);
    if (st == RGTG_OK && (!json_is_string(v) || strcmp(json_string_value(v), STATE_FORMAT) != 0))
        st = field_error(r, NULL, "format", "must be \"" STATE_FORMAT "\"");
    if (st == RGTG_OK) st = get_int(r, root, NULL, "format_version", 1, &version);
    if (st == RGTG_OK && version > RGTG_CKPT_FORMAT_VERSION)
        st = rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: format_version %" PRId64 " is newer than this build reads (%d)",
                            r->path, version, RGTG_CKPT_FORMAT_VERSION);
    if (st == RGTG_OK) st = get_int(r, root, NULL, "step", 0, &s->step);
    if (st == RGTG_OK) st = get_object(r, root, "rng", &rng);
    if (st == RGTG_OK && json_object_size(rng) > RGTG_CKPT_MAX_RNG_STREAMS)
        st = field_error(r, NULL, "rng", "has more streams than this build keeps");
    const char *name;
    if (st == RGTG_OK) json_object_foreach(rng, name, v) {
        if (!name[0] || strlen(name) >= RGTG_CKPT_NAME_CHARS) {
            st = field_error(r, "rng", name, "has an empty or too long name");
            break;
        }
        rgtg_ckpt_rng_stream_t *stream = &s->rng[s->rng_count++];
        snprintf(stream->name, sizeof stream->name, "%s", name);
        st = words_value(r, v, "rng", name, stream->words);
        if (st != RGTG_OK) break;
    }
    if (st == RGTG_OK) st = get_object(r, root, "data", &data);
    if (st == RGTG_OK) st = get_int(r, data, "data", "epoch", 0, &s->epoch);
    if (st == RGTG_OK) st = get_int(r, data, "data", "examples", 0, &s->examples);
    if (st == RGTG_OK) st = get_int(r, data, "data", "cursor", 0, &s->cursor);
    if (st == RGTG_OK && s->cursor > s->examples) st = field_error(r, "data", "cursor", "exceeds data.examples");
    if (st == RGTG_OK) st = get_field(r, data, "data", "epoch_rng", &v);
    if (st == RGTG_OK) st = words_value(r, v, "data", "epoch_rng", s->epoch_rng);

    rgtg_ckpt_schedule_t *c = &s->schedule;
    if (st == RGTG_OK) st = get_object(r, root, "schedule", &sched);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "lr", &c->lr);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "beta1", &c->beta1);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "beta2", &c->beta2);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "eps", &c->eps);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "weight_decay", &c->weight_decay);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "grad_clip", &c->grad_clip);
    if (st == RGTG_OK) st = get_real(r, sched, "schedule", "min_lr_ratio", &c->min_lr_ratio);
    if (st == RGTG_OK) st = get_int(r, sched, "schedule", "warmup_steps", 0, &c->warmup_steps);
    if (st == RGTG_OK) st = get_int(r, sched, "schedule", "total_steps", 0, &c->total_steps);
    if (st == RGTG_OK) st = get_field(r, sched, "schedule", "name", &v);
    if (st == RGTG_OK && (!json_is_string(v) || !json_string_length(v) || json_string_length(v) >= RGTG_CKPT_NAME_CHARS))
        st = field_error(r, "schedule", "name", "must be a short non-empty string");
    if (st == RGTG_OK) snprintf(c->name, sizeof c->name, "%s", json_string_value(v));

    if (st == RGTG_OK) st = get_object(r, root, "run", &run);
    if (st == RGTG_OK) st = get_field(r, run, "run", "seed", &v);
    if (st == RGTG_OK) st = u64_value(r, v, "run", "seed", &s->seed);
    if (st == RGTG_OK) st = get_int(r, run, "run", "world_size", 1, &world_size);
    if (st == RGTG_OK && world_size > 1 << 20) st = field_error(r, "run", "world_size", "is implausibly large");
    if (st == RGTG_OK) s->world_size = (int)world_size;
    if (st == RGTG_OK) st = get_int(r, run, "run", "micro_batch", 1, &s->micro_batch);
    if (st == RGTG_OK) st = get_int(r, run, "run", "grad_accum", 1, &s->grad_accum);
    return st;
}

/* A name that stays inside the checkpoint directory. */
static bool plain_file_name(const char *name) {
    return name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/');
}

/* Every file in "files" present with its recorded sha256, and the files a checkpoint needs listed. */
static rgtg_status_t verify_files(const char *dir, const reader_t *r, json_t *root) {
    json_t *files;
    rgtg_status_t st = get_object(r, root, "files", &files);
    if (st != RGTG_OK) return st;
    const char *required[] = {RGTG_HF_CONFIG_FILE, RGTG_CKPT_OPTIM_FILE};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!json_object_get(files, required[i])) return field_error(r, "files", required[i], "missing");
    if (!json_object_get(files, RGTG_ST_SINGLE_FILE) && !json_object_get(files, RGTG_ST_INDEX_FILE))
        return field_error(r, "files", RGTG_ST_SINGLE_FILE, "missing");
    const char *name;
    json_t *v;
    json_object_foreach(files, name, v) {
        if (!plain_file_name(name) || !strcmp(name, RGTG_CKPT_STATE_FILE))
            return field_error(r, "files", name, "is not a file name of the checkpoint");
        if (!json_is_string(v) || json_string_length(v) != 64)
            return field_error(r, "files", name, "must be a sha256 in hex");
        char *path = rgtg_path_join(dir, name);
        if (!path) return nomem();
        if (!is_regular_file(path)) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: missing", path);
            free(path);
            return st;
        }
        char hex[65];
        st = rgtg_sha256_file(path, hex);
        if (st == RGTG_OK && strcmp(hex, json_string_value(v)) != 0)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: sha256 mismatch (file changed or partly written)", path);
        free(path);
        if (st != RGTG_OK) return st;
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_checkpoint_validate(const char *dir, rgtg_trainer_state_t *state_out) {
    char *path = rgtg_path_join(dir, RGTG_CKPT_STATE_FILE);
    if (!path) return nomem();
    reader_t r = {.path = path};
    rgtg_status_t st = RGTG_OK;
    json_t *root = NULL;
    if (!is_regular_file(path)) {
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: missing (an unfinished or foreign checkpoint)", path);
    } else {
        st = rgtg_json_read_file(path, &root);
        if (st == RGTG_OK && !json_is_object(root))
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: must hold a JSON object", path);
    }
    rgtg_trainer_state_t state;
    if (st == RGTG_OK) st = parse_state(&r, root, &state);
    if (st == RGTG_OK) st = verify_files(dir, &r, root);
    if (st == RGTG_OK && state_out) *state_out = state;
    json_decref(root);
    free(path);
    return st;
}

/* ---- save ---- */

static rgtg_status_t write_optimizer(const char *dir, const rgtg_model_t *model, const rgtg_optim_t *opt) {
    size_t n = 2 * (size_t)opt->count;
    rgtg_st_tensor_t *tensors = calloc(n ? n : 1, sizeof *tensors);
    char **names = calloc(n ? n : 1, sizeof *names);
    void **buffers = calloc(n ? n : 1, sizeof *buffers);
    rgtg_status_t st = tensors && names && buffers ? RGTG_OK : nomem();
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        int p = (int)(i / 2);
        bool second = i % 2;
        tt_t moment = second ? opt->exp_avg_sq[p] : opt->exp_avg[p];
        names[i] = path_printf("%s.%s", second ? "exp_avg_sq" : "exp_avg", rgtg_model_tensor_name(model, p));
        rgtg_st_tensor_t *t = &tensors[i];
        t->name = names[i];
        t->dtype = TT_F32;
        t->ndim = tt_shape(moment, t->shape);
        t->nbytes = (size_t)tt_numel(moment) * sizeof(float);
        buffers[i] = malloc(t->nbytes ? t->nbytes : 1);
        if (!names[i] || !buffers[i] || t->ndim < 0) {
            st = t->ndim < 0 ? rgtg_error_status() : nomem();
            break;
        }
        st = tt_to_host(moment, TT_F32, buffers[i], t->nbytes);
        t->data = buffers[i];
    }
    char step_text[24], version_text[8];
    snprintf(step_text, sizeof step_text, "%" PRId64, opt->step);
    snprintf(version_text, sizeof version_text, "%d", RGTG_CKPT_FORMAT_VERSION);
    const char *metadata[] = {"format", OPTIM_FORMAT, "format_version", version_text, "step", step_text, NULL};
    char *path = rgtg_path_join(dir, RGTG_CKPT_OPTIM_FILE);
    if (st == RGTG_OK && !path) st = nomem();
    if (st == RGTG_OK) st = rgtg_st_write(path, tensors, n, metadata);
    free(path);
    for (size_t i = 0; i < n; i++) {
        if (names) free(names[i]);
        if (buffers) free(buffers[i]);
    }
    free(names), free(buffers), free(tensors);
    return st;
}

/* sha256 of every file written so far; then trainer_state.json, the last file of the directory. */
static rgtg_status_t write_state(const char *dir, const rgtg_trainer_state_t *state, const rgtg_optim_t *opt) {
    char **names;
    size_t n;
    rgtg_status_t st = list_files(dir, RGTG_CKPT_STATE_FILE, &names, &n);
    if (st != RGTG_OK) return st;
    json_t *files = json_object();
    if (!files) st = nomem();
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char hex[65], *path = rgtg_path_join(dir, names[i]);
        st = path ? rgtg_sha256_file(path, hex) : nomem();
        free(path);
        if (st == RGTG_OK && json_object_set_new(files, names[i], json_string(hex)) != 0) st = nomem();
    }
    json_t *root = st == RGTG_OK ? state_to_json(state, &opt->params, files) : NULL;
    if (st == RGTG_OK && !root) st = nomem();
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (st == RGTG_OK && !text) st = nomem();
    char *path = rgtg_path_join(dir, RGTG_CKPT_STATE_FILE);
    if (st == RGTG_OK && !path) st = nomem();
    char *line = st == RGTG_OK ? path_printf("%s\n", text) : NULL;
    if (st == RGTG_OK && !line) st = nomem();
    if (st == RGTG_OK) st = rgtg_write_file_atomic(path, line, strlen(line));
    free(line);
    free(path);
    free(text);
    json_decref(root);
    json_decref(files);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}

static bool process_alive(long pid) {
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

/* The PID in ".checkpoint-N.tmp.PID[...]"; 0 when unreadable. */
static long leftover_pid(const char *path) {
    const char *tmp = strstr(path, ".tmp.");
    return tmp ? strtol(tmp + 5, NULL, 10) : 0;
}

static void prune(const char *out_dir, int64_t step, int keep_last) {
    ckpt_entry_t *found, *tmp;
    size_t n, n_tmp;
    if (list_dirs(out_dir, &found, &n, &tmp, &n_tmp) != RGTG_OK) {
        rgtg_log_warn("%s: cannot list old checkpoints to prune: %s", out_dir, rgtg_error_message());
        rgtg_error_clear();
        return;
    }
    int kept = 1; /* the new checkpoint */
    for (size_t i = 0; i < n; i++) {
        if (found[i].step >= step) continue;
        if (kept < keep_last) {
            kept++;
            continue;
        }
        /* Renamed out of the checkpoint-N namespace first, so a crash mid-removal leaves no
         * half-deleted checkpoint-N behind. */
        char *doomed = path_printf("%s/.%s%" PRId64 ".tmp.%ld.deleting", out_dir, RGTG_CKPT_PREFIX, found[i].step,
                                   (long)getpid());
        if (!doomed || rename(found[i].path, doomed) != 0 || rgtg_remove_tree(doomed) != RGTG_OK) {
            rgtg_log_warn("%s: cannot delete old checkpoint: %s", found[i].path,
                          rgtg_error_status() != RGTG_OK ? rgtg_error_message() : strerror(errno));
            rgtg_error_clear();
        }
        free(doomed);
    }
    for (size_t i = 0; i < n_tmp; i++) {
        if (process_alive(leftover_pid(tmp[i].path))) continue;
        if (rgtg_remove_tree(tmp[i].path) != RGTG_OK) {
            rgtg_log_warn("%s: cannot remove leftover temporary checkpoint: %s", tmp[i].path, rgtg_error_message());
            rgtg_error_clear();
        }
    }
    free_entries(found, n);
    free_entries(tmp, n_tmp);
}

rgtg_status_t rgtg_checkpoint_save(const char *out_dir, int64_t step, const rgtg_model_t *model,
                                   const rgtg_optim_t *opt, const rgtg_trainer_state_t *state,
                                   const char *tokenizer_path, int keep_last) {
    if (!out_dir || !*out_dir || step < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: needs an output directory and a step >= 0");
    if (opt->count != rgtg_model_tensor_count(model))
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: optimizer has %d moments, the model %d parameters",
                              opt->count, rgtg_model_tensor_count(model));
    rgtg_status_t st = check_state_for_save(state, step);
    if (st == RGTG_OK) st = rgtg_mkdirs(out_dir);
    if (st != RGTG_OK) return st;
    char *final = path_printf("%s/%s%" PRId64, out_dir, RGTG_CKPT_PREFIX, step), *tmp = NULL;
    st = final ? rgtg_dir_begin(final, &tmp) : nomem(); /* OUT/.checkpoint-STEP.tmp.PID */
    if (st == RGTG_OK) st = rgtg_model_save(model, tmp);
    if (st == RGTG_OK) st = write_optimizer(tmp, model, opt);
    if (st == RGTG_OK && tokenizer_path) {
        rgtg_tokenizer_files_t files;
        st = rgtg_tokenizer_files(tokenizer_path, &files);
        if (st == RGTG_OK) st = rgtg_tokenizer_files_copy(&files, tmp);
        if (st == RGTG_OK) rgtg_tokenizer_files_free(&files);
    }
    if (st == RGTG_OK) st = write_state(tmp, state, opt);
    /* a checkpoint of the same step (a rerun from an earlier one) is replaced whole, not merged */
    if (st == RGTG_OK) st = rgtg_dir_commit(tmp, final);
    if (st == RGTG_OK && keep_last > 0) prune(out_dir, step, keep_last);
    if (st != RGTG_OK) rgtg_dir_abort(tmp);
    free(tmp), free(final);
    return st;
}

/* ---- load ---- */

static rgtg_status_t check_config(const char *dir, const rgtg_model_config_t *have, const rgtg_model_config_t *want) {
    char *path = rgtg_path_join(dir, RGTG_HF_CONFIG_FILE);
    if (!path) return nomem();
    rgtg_status_t st = RGTG_OK;
#define SAME_INT(field)                                                                                   \
    if (st == RGTG_OK && have->field != want->field)                                                      \
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: " #field " %lld differs from the run's %lld", path,    \
                            (long long)have->field, (long long)want->field);
#define SAME_REAL(field)                                                                                  \
    if (st == RGTG_OK && have->field != want->field)                                                      \
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: " #field " %.17g differs from the run's %.17g", path,  \
                            have->field, want->field);
    SAME_INT(vocab_size) SAME_INT(hidden_size) SAME_INT(intermediate_size) SAME_INT(num_hidden_layers)
    SAME_INT(num_attention_heads) SAME_INT(num_key_value_heads) SAME_INT(max_position_embeddings)
    SAME_REAL(rms_norm_eps) SAME_REAL(rope_theta) SAME_INT(tie_word_embeddings)
    SAME_INT(bos_token_id) SAME_INT(eos_token_id) SAME_INT(pad_token_id)
#undef SAME_INT
#undef SAME_REAL
    if (st == RGTG_OK && have->head != want->head)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: a %s head, the run's model has a %s head", path,
                            have->head == RGTG_HEAD_LM ? "language-model" : "score",
                            want->head == RGTG_HEAD_LM ? "language-model" : "score");
    if (st == RGTG_OK && have->dtype != want->dtype)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: dtype %s differs from the run's %s", path,
                            rgtg_st_dtype_name(have->dtype), rgtg_st_dtype_name(want->dtype));
    free(path);
    return st;
}

static void format_shape(char *out, size_t cap, const int64_t *shape, int ndim) {
    size_t used = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < ndim && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (used < cap) snprintf(out + used, cap - used, "]");
}

/* tensor (from a file) matches param in dtype and shape. */
static rgtg_status_t check_tensor(const char *file, const rgtg_st_tensor_t *tensor, const char *name,
                                  tt_dtype_t dtype, tt_t param) {
    if (!tensor) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: tensor '%s' missing", file, name);
    if (tensor->dtype != dtype)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: tensor '%s' is %s, the run expects %s", file, name,
                              rgtg_st_dtype_name(tensor->dtype), rgtg_st_dtype_name(dtype));
    int64_t shape[TT_MAX_DIMS];
    int ndim = tt_shape(param, shape);
    if (ndim < 0) return rgtg_error_status();
    bool same = ndim == tensor->ndim;
    for (int i = 0; same && i < ndim; i++) same = shape[i] == tensor->shape[i];
    if (!same) {
        char have[128], want[128];
        format_shape(have, sizeof have, tensor->shape, tensor->ndim);
        format_shape(want, sizeof want, shape, ndim);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: tensor '%s' has shape %s, the run's model has %s", file, name,
                              have, want);
    }
    return RGTG_OK;
}

static rgtg_status_t copy_into(tt_t dst, const rgtg_st_tensor_t *src) {
    size_t mark = tt_arena_mark();
    tt_t host = tt_from_host(src->data, src->shape, src->ndim, src->dtype, TT_CPU);
    rgtg_status_t st = host ? tt_copy_(dst, host) : rgtg_error_status();
    tt_arena_release(mark);
    return st;
}

static void warn_schedule(const char *dir, const rgtg_ckpt_schedule_t *saved, const rgtg_optim_params_t *run) {
#define WARN_IF(field, value)                                                                               \
    if (saved->field != (value))                                                                            \
        rgtg_log_warn("%s: the run's " #field " %.6g differs from the checkpoint's %.6g; the run's is used", \
                      dir, (double)(value), (double)saved->field);
    WARN_IF(lr, run->lr) WARN_IF(beta1, run->beta1) WARN_IF(beta2, run->beta2) WARN_IF(eps, run->eps)
    WARN_IF(weight_decay, run->weight_decay) WARN_IF(grad_clip, run->grad_clip)
    WARN_IF(min_lr_ratio, run->min_lr_ratio) WARN_IF(warmup_steps, run->warmup_steps)
    WARN_IF(total_steps, run->total_steps)
#undef WARN_IF
    const char *name = run->schedule ? run->schedule : "constant";
    if (strcmp(saved->name, name) != 0)
        rgtg_log_warn("%s: the run's schedule %s differs from the checkpoint's %s; the run's is used", dir, name,
                      saved->name);
}

rgtg_status_t rgtg_checkpoint_load(const char *dir, rgtg_model_t *model, rgtg_optim_t *opt,
                                   rgtg_trainer_state_t *state) {
    rgtg_trainer_state_t loaded;
    rgtg_status_t st = rgtg_checkpoint_validate(dir, &loaded);
    if (st != RGTG_OK) return st;
    if (opt->count != rgtg_model_tensor_count(model))
        return rgtg_error_set(RGTG_ERR_INVALID, "checkpoint: optimizer has %d moments, the model %d parameters",
                              opt->count, rgtg_model_tensor_count(model));
    rgtg_model_config_t config;
    char *config_path = rgtg_path_join(dir, RGTG_HF_CONFIG_FILE);
    st = config_path ? rgtg_hf_config_read(config_path, &config) : nomem();
    free(config_path);
    if (st == RGTG_OK) st = check_config(dir, &config, rgtg_model_config(model));
    if (st != RGTG_OK) return st;

    rgtg_weights_t *weights = NULL;
    rgtg_st_file_t *moments = NULL;
    char *optim_path = rgtg_path_join(dir, RGTG_CKPT_OPTIM_FILE);
    char *weights_name = rgtg_path_join(dir, RGTG_ST_SINGLE_FILE);
    char *moment_name = NULL;
    if (!optim_path || !weights_name) st = nomem();
    if (st == RGTG_OK) st = rgtg_weights_open(dir, &weights);
    if (st == RGTG_OK && rgtg_weights_count(weights) != (size_t)rgtg_model_tensor_count(model))
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: model has %zu tensors, the run's model has %d", dir,
                            rgtg_weights_count(weights), rgtg_model_tensor_count(model));
    for (int p = 0; st == RGTG_OK && p < rgtg_model_tensor_count(model); p++)
        st = check_tensor(weights_name, rgtg_weights_find(weights, rgtg_model_tensor_name(model, p)), rgtg_model_tensor_name(model, p),
                          rgtg_model_config(model)->dtype, rgtg_model_tensor(model, p));

    if (st == RGTG_OK) st = rgtg_st_open(optim_path, &moments);
    int64_t opt_step = 0;
    if (st == RGTG_OK) {
        const char *format = rgtg_st_metadata(moments, "format");
        const char *step_text = rgtg_st_metadata(moments, "step");
        uint64_t step_value;
        if (!format || strcmp(format, OPTIM_FORMAT) != 0)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: metadata 'format' is not \"" OPTIM_FORMAT "\"", optim_path);
        else if (!step_text || !parse_u64(step_text, &step_value) || step_value > INT64_MAX)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: metadata 'step' missing or not a count", optim_path);
        else
            opt_step = (int64_t)step_value;
    }
    if (st == RGTG_OK && rgtg_st_count(moments) != 2 * (size_t)rgtg_model_tensor_count(model))
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: %zu moment tensors, the run's optimizer has %d", optim_path,
                            rgtg_st_count(moments), 2 * rgtg_model_tensor_count(model));
    for (int i = 0; st == RGTG_OK && i < 2 * rgtg_model_tensor_count(model); i++) {
        int p = i / 2;
        free(moment_name);
        moment_name = path_printf("%s.%s", i % 2 ? "exp_avg_sq" : "exp_avg", rgtg_model_tensor_name(model, p));
        if (!moment_name) st = nomem();
        else st = check_tensor(optim_path, rgtg_st_find(moments, moment_name), moment_name, TT_F32, rgtg_model_tensor(model, p));
    }

    /* Every check has passed: now write. */
    if (st == RGTG_OK) {
        warn_schedule(dir, &loaded.schedule, &opt->params);
        bool grad_mode = tt_set_grad_enabled(false);
        for (int p = 0; st == RGTG_OK && p < rgtg_model_tensor_count(model); p++) {
            st = copy_into(rgtg_model_tensor(model, p), rgtg_weights_find(weights, rgtg_model_tensor_name(model, p)));
            for (int second = 0; st == RGTG_OK && second < 2; second++) {
                free(moment_name);
                moment_name = path_printf("%s.%s", second ? "exp_avg_sq" : "exp_avg", rgtg_model_tensor_name(model, p));
                st = moment_name ? copy_into(second ? opt->exp_avg_sq[p] : opt->exp_avg[p],
                                             rgtg_st_find(moments, moment_name))
                                 : nomem();
            }
        }
        tt_set_grad_enabled(grad_mode);
        if (st == RGTG_OK) {
            opt->step = opt_step;
            *state = loaded;
        }
    }
    free(moment_name);
    free(optim_path);
    free(weights_name);
    rgtg_st_close(moments);
    rgtg_weights_close(weights);
    return st;
}

/* ---- latest ---- */

rgtg_status_t rgtg_checkpoint_find_latest(const char *out_dir, char **dir_out) {
    *dir_out = NULL;
    ckpt_entry_t *found, *tmp;
    size_t n, n_tmp;
    rgtg_status_t st = list_dirs(out_dir, &found, &n, &tmp, &n_tmp);
    if (st != RGTG_OK) return st;
    for (size_t i = 0; i < n_tmp; i++)
        rgtg_log_warn("skipping %s: an unfinished write (never renamed into place)", tmp[i].path);
    for (size_t i = 0; i < n && !*dir_out; i++) {
        rgtg_error_clear();
        rgtg_trainer_state_t state;
        st = rgtg_checkpoint_validate(found[i].path, &state);
        if (st == RGTG_OK && state.step != found[i].step)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s/%s: step %" PRId64 " differs from the directory's %" PRId64,
                                found[i].path, RGTG_CKPT_STATE_FILE, state.step, found[i].step);
        if (st == RGTG_OK) {
            *dir_out = found[i].path;
            found[i].path = NULL;
        } else if (st == RGTG_ERR_NOMEM) {
            break;
        } else {
            rgtg_log_warn("skipping %s: %s", found[i].path, rgtg_error_message());
            rgtg_error_clear();
            st = RGTG_OK;
        }
    }
    free_entries(found, n);
    free_entries(tmp, n_tmp);
    return st;
}
