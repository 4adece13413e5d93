/* core/spm/spm_settings.c: the settings a SentencePiece model records, read from its serialized
 * ModelProto with a small protobuf wire-format reader (Debian ships no sentencepiece_model.pb.h,
 * and the shim must not hand C++ objects across). Field numbers and defaults are those of
 * sentencepiece_model.proto: ModelProto.trainer_spec = 2, normalizer_spec = 3, denormalizer_spec = 5. */
#include "spm_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2, WIRE_FIXED32 = 5 };

typedef struct {
    const uint8_t *at, *end;
} wire_t;

typedef struct {
    uint32_t field;
    int type;
    uint64_t value;           /* varint and fixed values */
    const uint8_t *bytes;     /* WIRE_BYTES */
    size_t size;
} wire_field_t;

static int read_varint(wire_t *w, uint64_t *out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (w->at >= w->end) return 0;
        uint8_t byte = *w->at++;
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return 1;
        }
    }
    return 0;
}

/* The next field; 0 at the end, -1 when the bytes are malformed (groups included: no message we
 * read has any). */
static int next_field(wire_t *w, wire_field_t *f) {
    if (w->at == w->end) return 0;
    uint64_t key;
    if (!read_varint(w, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) return -1;
    f->field = (uint32_t)(key >> 3);
    f->type = (int)(key & 7);
    f->value = 0;
    f->bytes = NULL;
    f->size = 0;
    switch (f->type) {
    case WIRE_VARINT:
        return read_varint(w, &f->value) ? 1 : -1;
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
        size_t n = f->type == WIRE_FIXED64 ? 8 : 4;
        if ((size_t)(w->end - w->at) < n) return -1;
        for (size_t i = 0; i < n; i++) f->value |= (uint64_t)w->at[i] << (8 * i); /* little-endian */
        w->at += n;
        return 1;
    }
    case WIRE_BYTES: {
        uint64_t n;
        if (!read_varint(w, &n) || n > (uint64_t)(w->end - w->at)) return -1;
        f->bytes = w->at;
        f->size = (size_t)n;
        w->at += n;
        return 1;
    }
    default:
        return -1;
    }
}

static float float_from_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static const char *model_type_name(uint64_t type) {
    switch (type) {
    case 1: return "unigram";
    case 2: return "bpe";
    case 3: return "word";
    case 4: return "char";
    default: return "unknown";
    }
}

/* Appends a repeated string to a comma-separated list. */
static int append_symbol(char **list, const uint8_t *bytes, size_t size) {
    size_t used = *list ? strlen(*list) : 0;
    char *grown = realloc(*list, used + (used ? 1 : 0) + size + 1);
    if (!grown) return 0;
    if (used) grown[used++] = ',';
    memcpy(grown + used, bytes, size);
    grown[used + size] = '\0';
    *list = grown;
    return 1;
}

static int parse_trainer_spec(const uint8_t *bytes, size_t size, rgtg_spm_settings_store_t *out) {
    rgtg_spm_settings_t *s = &out->settings;
    wire_t w = {bytes, bytes + size};
    wire_field_t f;
    int more;
    while ((more = next_field(&w, &f)) > 0) {
        int varint = f.type == WIRE_VARINT, text = f.type == WIRE_BYTES;
        switch (f.field) {
        case 2: /* model_prefix */
            if (text) s->trained_by_rgtg = f.size == strlen(RGTG_SPM_MARKER) &&
                                           memcmp(f.bytes, RGTG_SPM_MARKER, f.size) == 0;
            break;
        case 3: if (varint) s->model_type = model_type_name(f.value); break;
        case 4: if (varint) s->vocab_size = (int)(int32_t)f.value; break;
        case 10: if (f.type == WIRE_FIXED32) s->character_coverage = float_from_bits((uint32_t)f.value); break;
        case 24: if (varint) out->treat_whitespace_as_suffix = f.value != 0; break;
        case 25: if (varint) s->split_digits = f.value != 0; break;
        case 26: if (varint) s->allow_whitespace_only_pieces = f.value != 0; break;
        case 31: /* user_defined_symbols */
            if (text && !append_symbol(&out->user_symbols, f.bytes, f.size)) return -2;
            break;
        case 35: if (varint) s->byte_fallback = f.value != 0; break;
        default: break;
        }
    }
    return more;
}

static int parse_normalizer_spec(const uint8_t *bytes, size_t size, rgtg_spm_settings_store_t *out) {
    rgtg_spm_settings_t *s = &out->settings;
    wire_t w = {bytes, bytes + size};
    wire_field_t f;
    int more;
    while ((more = next_field(&w, &f)) > 0) {
        int varint = f.type == WIRE_VARINT;
        switch (f.field) {
        case 1: /* name */
            if (f.type == WIRE_BYTES) {
                size_t n = f.size < sizeof out->normalization - 1 ? f.size : sizeof out->normalization - 1;
                memcpy(out->normalization, f.bytes, n);
                out->normalization[n] = '\0';
            }
            break;
        case 3: if (varint) s->add_dummy_prefix = f.value != 0; break;
        case 4: if (varint) s->remove_extra_whitespaces = f.value != 0; break;
        case 5: if (varint) s->escape_whitespaces = f.value != 0; break;
        default: break;
        }
    }
    return more;
}

/* A denormalizer_spec (NormalizerSpec) holds rules when its precompiled_charsmap (field 2) is not empty. */
static int parse_denormalizer_spec(const uint8_t *bytes, size_t size, rgtg_spm_settings_store_t *out) {
    wire_t w = {bytes, bytes + size};
    wire_field_t f;
    int more;
    while ((more = next_field(&w, &f)) > 0)
        if (f.field == 2 && f.type == WIRE_BYTES) out->has_denormalizer = f.size > 0;
    return more;
}

rgtg_status_t rgtg_spm_settings_parse(const uint8_t *proto, size_t size, rgtg_spm_settings_store_t *out) {
    memset(out, 0, sizeof *out);
    rgtg_spm_settings_t *s = &out->settings;
    /* the proto's defaults, for fields a model leaves out */
    s->model_type = "unigram";
    s->vocab_size = 8000;
    s->character_coverage = 0.9995;
    s->add_dummy_prefix = s->remove_extra_whitespaces = s->escape_whitespaces = true;

    wire_t w = {proto, proto + size};
    wire_field_t f;
    int more;
    /* A message field that occurs twice is merged, so each occurrence is parsed in turn. */
    while ((more = next_field(&w, &f)) > 0) {
        if (f.type != WIRE_BYTES) continue;
        if (f.field == 2) more = parse_trainer_spec(f.bytes, f.size, out);
        else if (f.field == 3) more = parse_normalizer_spec(f.bytes, f.size, out);
        else if (f.field == 5) more = parse_denormalizer_spec(f.bytes, f.size, out);
        if (more < 0) break;
    }
    if (more == -2) {
        rgtg_spm_settings_store_free(out);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory reading the model's settings");
    }
    if (more < 0) {
        rgtg_spm_settings_store_free(out);
        return rgtg_error_set(RGTG_ERR_FORMAT, "the model's settings are not a well-formed protobuf message");
    }
    if (!out->user_symbols && !(out->user_symbols = calloc(1, 1))) {
        rgtg_spm_settings_store_free(out);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory reading the model's settings");
    }
    s->normalization = out->normalization;
    s->user_symbols = out->user_symbols;
    /* SentencePiece's decoder only looks beyond a piece to strip the dummy prefix (or a suffix space)
       and to run the denormalizer */
    out->piecewise_decode = !s->add_dummy_prefix && !s->remove_extra_whitespaces && !out->treat_whitespace_as_suffix &&
                            !out->has_denormalizer;
    s->lossless = s->byte_fallback && strcmp(s->normalization, "identity") == 0 && !s->remove_extra_whitespaces &&
                  s->escape_whitespaces;
    return RGTG_OK;
}

void rgtg_spm_settings_store_free(rgtg_spm_settings_store_t *store) {
    free(store->user_symbols);
    store->user_symbols = NULL;
    store->settings.user_symbols = "";
}

void rgtg_spm_settings_describe(const rgtg_spm_settings_t *s, char *out, size_t capacity) {
    snprintf(out, capacity,
             "%s vocab %d coverage %g byte_fallback %s normalization %s remove_extra_whitespaces %s "
             "add_dummy_prefix %s whitespace_only_pieces %s split_digits %s user_symbols \"%s\" trained_by %s (%s)",
             s->model_type, s->vocab_size, s->character_coverage, s->byte_fallback ? "on" : "off",
             s->normalization[0] ? s->normalization : "(none)", s->remove_extra_whitespaces ? "on" : "off",
             s->add_dummy_prefix ? "on" : "off", s->allow_whitespace_only_pieces ? "on" : "off",
             s->split_digits ? "on" : "off", s->user_symbols, s->trained_by_rgtg ? "rgtg" : "other",
             s->lossless ? "lossless settings" : "lossy settings");
}
