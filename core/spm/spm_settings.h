/* core/spm/spm_settings.h: (inside core/spm) reading rgtg_spm_settings_t out of a serialized
 * SentencePiece ModelProto, for spm.c. */
#ifndef RGTG_CORE_SPM_SETTINGS_H
#define RGTG_CORE_SPM_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "spm.h"

/* The settings and the strings they point to. */
typedef struct {
    rgtg_spm_settings_t settings;
    char normalization[64];
    char *user_symbols; /* malloc'd */
    bool treat_whitespace_as_suffix; /* trainer_spec: decode would strip a trailing space */
    bool has_denormalizer;           /* a denormalizer_spec with rules: decode rewrites the text */
    bool piecewise_decode;           /* decode is the concatenation of each piece decoded alone */
} rgtg_spm_settings_store_t;

/* Parses the trainer_spec and normalizer_spec of a serialized ModelProto (fields left out take the
 * proto's defaults). RGTG_ERR_FORMAT when the bytes are not a well-formed message. */
rgtg_status_t rgtg_spm_settings_parse(const uint8_t *proto, size_t size, rgtg_spm_settings_store_t *out);
void rgtg_spm_settings_store_free(rgtg_spm_settings_store_t *store);

#endif
