/* core/spm/spm.c: the C side of SentencePiece: finds and dlopen()s librgtg_spm.so once, then
 * forwards every spm.h call to the library's rgtg_spm_shim_* functions and turns their error
 * strings into rgtg_error_set() messages; checks training settings before the trainer sees them.
 * See spm.h for why the library is loaded at run time. */
#define _GNU_SOURCE /* RTLD_DEEPBIND */
#include "spm.h"
#include "spm_internal.h"
#include "spm_settings.h"
#include "spm_shim_abi.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPM_LIBRARY_NAME "librgtg_spm.so"
#define SPM_ERROR_CAPACITY 768

struct rgtg_spm {
    void *processor; /* the shim's SentencePieceProcessor */
    int piece_size;
    int unk_id, bos_id, eos_id, pad_id;
    rgtg_spm_settings_store_t settings;
};

/* The shim's exported C ABI (spm_shim.cpp). */
typedef struct {
    int (*abi_version)(void);
    int (*load)(const char *model_path, void **out, char *error, size_t error_capacity);
    void (*free_processor)(void *processor);
    int (*piece_size)(const void *processor);
    int (*special_id)(const void *processor, int which);
    const char *(*id_to_piece)(const void *processor, int id);
    int (*piece_to_id)(const void *processor, const char *piece);
    int (*encode)(const void *processor, const char *text, size_t length, int32_t **ids_out, size_t *count_out,
                  char *error, size_t error_capacity);
    int (*decode)(const void *processor, const int32_t *ids, size_t count, char **text_out, char *error,
                  size_t error_capacity);
    int (*train)(const char *text_path, const char *model_path, const rgtg_spm_shim_train_args_t *args, char *error,
                 size_t error_capacity);
    void (*model_proto)(const void *processor, const char **data, size_t *size);
    int (*piecewise_match)(const void *processor, const char *text, size_t length, const int32_t *ids, size_t count);
} spm_shim_api_t;

static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static spm_shim_api_t shim;
static int shim_loaded;
static char shim_load_error[1024]; /* kept for every later caller: the error slot is per thread */

static void append_text(char *buffer, size_t capacity, const char *text) {
    size_t used = strlen(buffer), length = strlen(text);
    if (used + length + 1 > capacity) length = capacity - used - 1; /* truncate, never overflow */
    memcpy(buffer + used, text, length);
    buffer[used + length] = '\0';
}

/* The running executable's folder, or "" when /proc/self/exe cannot be read. */
static void executable_folder(char *folder, size_t capacity) {
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    folder[0] = '\0';
    if (length <= 0) return;
    path[length] = '\0';
    char *slash = strrchr(path, '/');
    if (slash == NULL) return;
    *slash = '\0';
    snprintf(folder, capacity, "%s", path[0] != '\0' ? path : "/");
}

static int resolve_symbols(void *handle, const char *path) {
    struct {
        const char *name;
        void **slot;
    } symbols[] = {
        {"rgtg_spm_shim_abi_version", (void **)&shim.abi_version},
        {"rgtg_spm_shim_load", (void **)&shim.load},
        {"rgtg_spm_shim_free", (void **)&shim.free_processor},
        {"rgtg_spm_shim_piece_size", (void **)&shim.piece_size},
        {"rgtg_spm_shim_special_id", (void **)&shim.special_id},
        {"rgtg_spm_shim_id_to_piece", (void **)&shim.id_to_piece},
        {"rgtg_spm_shim_piece_to_id", (void **)&shim.piece_to_id},
        {"rgtg_spm_shim_encode", (void **)&shim.encode},
        {"rgtg_spm_shim_decode", (void **)&shim.decode},
        {"rgtg_spm_shim_train", (void **)&shim.train},
        {"rgtg_spm_shim_model_proto", (void **)&shim.model_proto},
        {"rgtg_spm_shim_piecewise_match", (void **)&shim.piecewise_match},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        dlerror();
        void *address = dlsym(handle, symbols[i].name);
        if (address == NULL) {
            const char *reason = dlerror();
            snprintf(shim_load_error, sizeof shim_load_error, "%.400s: missing symbol %s (%.400s)", path, symbols[i].name,
                     reason != NULL ? reason : "null address");
            return 0;
        }
        /* POSIX guarantees that object and function pointers convert through void *. */
        memcpy(symbols[i].slot, &address, sizeof address);
    }
    int version = shim.abi_version();
    if (version != RGTG_SPM_SHIM_ABI_VERSION) {
        snprintf(shim_load_error, sizeof shim_load_error, "%.900s: shim ABI version %d, this program needs %d (rebuild it)",
                 path, version, RGTG_SPM_SHIM_ABI_VERSION);
        return 0;
    }
    return 1;
}

static void load_shim(void) {
    char folder[PATH_MAX];
    executable_folder(folder, sizeof folder);

    char candidates[5][PATH_MAX + 64];
    int candidate_count = 0;
    const char *from_environment = getenv("RGTG_SPM_LIB");
    if (from_environment != NULL && from_environment[0] != '\0')
        snprintf(candidates[candidate_count++], sizeof candidates[0], "%s", from_environment);
    if (folder[0] != '\0') {
        /* beside the executable; the build's core/ for build/rgtg; ../core/ for build/tests/; ../lib/
           for an installed bin/rgtg */
        snprintf(candidates[candidate_count++], sizeof candidates[0], "%s/" SPM_LIBRARY_NAME, folder);
        snprintf(candidates[candidate_count++], sizeof candidates[0], "%s/core/" SPM_LIBRARY_NAME, folder);
        snprintf(candidates[candidate_count++], sizeof candidates[0], "%s/../core/" SPM_LIBRARY_NAME, folder);
        snprintf(candidates[candidate_count++], sizeof candidates[0], "%s/../lib/" SPM_LIBRARY_NAME, folder);
    }

    char tried[900] = ""; /* leaves room for the sentence around it */
    for (int i = 0; i < candidate_count; i++) {
        dlerror();
        void *handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
        if (handle == NULL) {
            const char *reason = dlerror();
            append_text(tried, sizeof tried, i == 0 ? "" : "; ");
            append_text(tried, sizeof tried, reason != NULL ? reason : candidates[i]);
            continue;
        }
        if (!resolve_symbols(handle, candidates[i])) {
            dlclose(handle);
            return;
        }
        shim_loaded = 1;
        return;
    }
    if (candidate_count == 0)
        snprintf(shim_load_error, sizeof shim_load_error,
                 SPM_LIBRARY_NAME ": not found: RGTG_SPM_LIB is unset and /proc/self/exe is unreadable");
    else
        snprintf(shim_load_error, sizeof shim_load_error,
                 SPM_LIBRARY_NAME ": cannot load (set RGTG_SPM_LIB to its full path); tried: %s", tried);
}

static rgtg_status_t ensure_shim(void) {
    pthread_once(&shim_once, load_shim);
    if (shim_loaded) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s", shim_load_error);
}

rgtg_spm_train_params_t rgtg_spm_train_default_params(void) {
    rgtg_spm_train_params_t params = {
        .vocab_size = 8000,
        .model_type = "unigram",
        .character_coverage = 0.9995,
        .threads = 2,
        .input_sentence_size = 1000000,
        .seed = 1234,
        .byte_fallback = true,
        .normalization = "identity",
        .remove_extra_whitespaces = false,
        .add_dummy_prefix = false,
        .allow_whitespace_only_pieces = true,
        .split_digits = true,
        .user_symbols = NULL,
        .user_symbol_count = 0,
    };
    return params;
}

static const char *const normalization_names[] = {"identity", "nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", NULL};

/* The user symbols as SentencePiece's comma-separated list (malloc'd), or NULL with the error set. */
static char *user_symbol_list(const rgtg_spm_train_params_t *params, const char *model_path) {
    size_t size = 1;
    for (size_t i = 0; i < params->user_symbol_count; i++) {
        const char *symbol = params->user_symbols != NULL ? params->user_symbols[i] : NULL;
        if (symbol == NULL || symbol[0] == '\0') {
            rgtg_error_set(RGTG_ERR_INVALID, "%s: user symbol %zu is empty", model_path, i + 1);
            return NULL;
        }
        if (strpbrk(symbol, ", ") != NULL) { /* SentencePiece splits the list at commas and matches symbols
                                                 after spaces became U+2581, so neither could ever match */
            rgtg_error_set(RGTG_ERR_INVALID, "%s: user symbol \"%s\" holds a comma or a space", model_path, symbol);
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(params->user_symbols[j], symbol) == 0) {
                rgtg_error_set(RGTG_ERR_INVALID, "%s: user symbol \"%s\" is given twice", model_path, symbol);
                return NULL;
            }
        size += strlen(symbol) + 1;
    }
    char *list = calloc(size, 1);
    if (list == NULL) {
        rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", model_path);
        return NULL;
    }
    for (size_t i = 0; i < params->user_symbol_count; i++) {
        if (i > 0) strcat(list, ",");
        strcat(list, params->user_symbols[i]);
    }
    return list;
}

rgtg_status_t rgtg_spm_train(const char *text_path, const char *model_path, const rgtg_spm_train_params_t *params) {
    if (text_path == NULL || model_path == NULL || params == NULL)
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_train: text_path, model_path and params are required");
    /* every id below the first learned piece: unk, bos, eos, pad, the byte pieces, the user symbols */
    long long reserved = 4 + (params->byte_fallback ? 256 : 0) + (long long)params->user_symbol_count;
    if (params->vocab_size <= reserved)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "%s: vocab_size %d leaves no room for learned pieces: the 4 special pieces%s and %zu user "
                              "symbols take %lld",
                              model_path, params->vocab_size, params->byte_fallback ? ", 256 byte pieces" : "",
                              params->user_symbol_count, reserved);
    if (params->model_type == NULL ||
        (strcmp(params->model_type, "unigram") != 0 && strcmp(params->model_type, "bpe") != 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: model_type \"%s\" is not \"unigram\" or \"bpe\"", model_path,
                              params->model_type != NULL ? params->model_type : "(null)");
    if (!(params->character_coverage > 0.0 && params->character_coverage <= 1.0))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: character_coverage %g is outside (0, 1]", model_path,
                              params->character_coverage);
    if (params->threads < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: threads %d must be at least 1", model_path, params->threads);
    if (params->input_sentence_size < 0 || (params->input_sentence_size > 0 && params->input_sentence_size <= 100))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: input_sentence_size %lld must be 0 (all) or above 100", model_path,
                              (long long)params->input_sentence_size);
    int known_normalization = 0;
    for (const char *const *name = normalization_names; params->normalization != NULL && *name != NULL; name++)
        known_normalization |= strcmp(*name, params->normalization) == 0;
    if (!known_normalization)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "%s: normalization \"%s\" is not one of identity, nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf",
                              model_path, params->normalization != NULL ? params->normalization : "(null)");
    if (strchr(text_path, ',') != NULL) /* the trainer splits its input argument at commas */
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: SentencePiece cannot read a training file whose path has a comma",
                              text_path);
    rgtg_status_t status = ensure_shim();
    if (status != RGTG_OK) return status;
    char *symbols = user_symbol_list(params, model_path);
    if (symbols == NULL) return rgtg_error_status();
    rgtg_spm_shim_train_args_t args = {
        .vocab_size = params->vocab_size,
        .model_type = params->model_type,
        .character_coverage = params->character_coverage,
        .threads = params->threads,
        .input_sentence_size = params->input_sentence_size,
        .seed = params->seed,
        .byte_fallback = params->byte_fallback,
        .normalization = params->normalization,
        .remove_extra_whitespaces = params->remove_extra_whitespaces,
        .add_dummy_prefix = params->add_dummy_prefix,
        .allow_whitespace_only_pieces = params->allow_whitespace_only_pieces,
        .split_digits = params->split_digits,
        .user_symbols = symbols,
        .marker = RGTG_SPM_MARKER,
    };
    char error[SPM_ERROR_CAPACITY] = "";
    int code = shim.train(text_path, model_path, &args, error, sizeof error);
    free(symbols);
    if (code != RGTG_OK)
        return rgtg_error_set((rgtg_status_t)code, "%s: training on %s failed: %s", model_path, text_path, error);
    return RGTG_OK;
}

rgtg_status_t rgtg_spm_load(const char *model_path, rgtg_spm_t **out) {
    if (out == NULL) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_load: out is NULL");
    *out = NULL;
    if (model_path == NULL) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_load: model_path is NULL");
    rgtg_status_t status = ensure_shim();
    if (status != RGTG_OK) return status;
    rgtg_spm_t *spm = calloc(1, sizeof *spm);
    if (spm == NULL) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", model_path);
    char error[SPM_ERROR_CAPACITY] = "";
    int code = shim.load(model_path, &spm->processor, error, sizeof error);
    if (code != RGTG_OK) {
        free(spm);
        return rgtg_error_set((rgtg_status_t)code, "%s: %s", model_path, error);
    }
    spm->piece_size = shim.piece_size(spm->processor);
    spm->unk_id = shim.special_id(spm->processor, 0);
    spm->bos_id = shim.special_id(spm->processor, 1);
    spm->eos_id = shim.special_id(spm->processor, 2);
    spm->pad_id = shim.special_id(spm->processor, 3);
    const char *proto = NULL;
    size_t proto_size = 0;
    shim.model_proto(spm->processor, &proto, &proto_size);
    status = rgtg_spm_settings_parse((const uint8_t *)proto, proto_size, &spm->settings);
    if (status != RGTG_OK) {
        char message[512];
        snprintf(message, sizeof message, "%s", rgtg_error_message());
        rgtg_error_clear();
        shim.free_processor(spm->processor);
        free(spm);
        return rgtg_error_set(status, "%s: %s", model_path, message);
    }
    *out = spm;
    return RGTG_OK;
}

void rgtg_spm_free(rgtg_spm_t *spm) {
    if (spm == NULL) return;
    shim.free_processor(spm->processor); /* a loaded spm implies a loaded shim */
    rgtg_spm_settings_store_free(&spm->settings);
    free(spm);
}

rgtg_status_t rgtg_spm_encode(const rgtg_spm_t *spm, const char *text, size_t len, int32_t **ids_out,
                              size_t *count_out) {
    if (spm == NULL || ids_out == NULL || count_out == NULL || (text == NULL && len > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_encode: NULL argument");
    char error[SPM_ERROR_CAPACITY] = "";
    int code = shim.encode(spm->processor, text != NULL ? text : "", len, ids_out, count_out, error, sizeof error);
    if (code != RGTG_OK) return rgtg_error_set((rgtg_status_t)code, "sentencepiece encode: %s", error);
    return RGTG_OK;
}

rgtg_status_t rgtg_spm_decode(const rgtg_spm_t *spm, const int32_t *ids, size_t count, char **text_out) {
    if (spm == NULL || text_out == NULL || (ids == NULL && count > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_decode: NULL argument");
    static const int32_t no_ids[1] = {0};
    char error[SPM_ERROR_CAPACITY] = "";
    int code = shim.decode(spm->processor, ids != NULL ? ids : no_ids, count, text_out, error, sizeof error);
    if (code != RGTG_OK) return rgtg_error_set((rgtg_status_t)code, "sentencepiece decode: %s", error);
    return RGTG_OK;
}

int rgtg_spm_vocab_size(const rgtg_spm_t *spm) { return spm != NULL ? spm->piece_size : 0; }
int rgtg_spm_bos_id(const rgtg_spm_t *spm) { return spm != NULL ? spm->bos_id : -1; }
int rgtg_spm_eos_id(const rgtg_spm_t *spm) { return spm != NULL ? spm->eos_id : -1; }
int rgtg_spm_pad_id(const rgtg_spm_t *spm) { return spm != NULL ? spm->pad_id : -1; }
int rgtg_spm_unk_id(const rgtg_spm_t *spm) { return spm != NULL ? spm->unk_id : -1; }

int rgtg_spm_piecewise_match(const rgtg_spm_t *spm, const char *text, size_t len, const int32_t *ids, size_t count) {
    if (spm == NULL || !spm->settings.piecewise_decode) return 0;
    return shim.piecewise_match(spm->processor, text != NULL ? text : "", len, ids, count) == 1;
}

const rgtg_spm_settings_t *rgtg_spm_settings(const rgtg_spm_t *spm) {
    return spm != NULL ? &spm->settings.settings : NULL;
}

const char *rgtg_spm_id_to_piece(const rgtg_spm_t *spm, int id) {
    if (spm == NULL || id < 0 || id >= spm->piece_size) return NULL;
    return shim.id_to_piece(spm->processor, id);
}

int rgtg_spm_piece_to_id(const rgtg_spm_t *spm, const char *piece) {
    if (spm == NULL) return -1;
    if (piece == NULL) return spm->unk_id;
    return shim.piece_to_id(spm->processor, piece);
}
