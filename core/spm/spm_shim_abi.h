/* core/spm/spm_shim_abi.h: the plain C structs that cross the dlopen boundary between spm.c and
 * librgtg_spm.so (spm_shim.cpp). Both sides include this header; a change to a struct here bumps
 * RGTG_SPM_SHIM_ABI_VERSION, so that a stale library is refused instead of misread. */
#ifndef RGTG_CORE_SPM_SHIM_ABI_H
#define RGTG_CORE_SPM_SHIM_ABI_H

#include <stddef.h>
#include <stdint.h>

#define RGTG_SPM_SHIM_ABI_VERSION 2

/* The trainer's settings as the shim passes them to SentencePiece (checked by spm.c beforehand). */
typedef struct {
    int vocab_size;
    const char *model_type;         /* "unigram" or "bpe" */
    double character_coverage;
    int threads;
    int64_t input_sentence_size;    /* 0: all */
    uint64_t seed;
    int byte_fallback;              /* 0 or 1 */
    const char *normalization;      /* a SentencePiece normalization rule name */
    int remove_extra_whitespaces;
    int add_dummy_prefix;
    int allow_whitespace_only_pieces;
    int split_digits;
    const char *user_symbols;       /* comma-separated, "" for none */
    const char *marker;             /* recorded as trainer_spec.model_prefix */
} rgtg_spm_shim_train_args_t;

#endif
