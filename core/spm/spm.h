/* core/spm/spm.h: SentencePiece for the C side: train, load, encode, decode, piece lookups.
 *
 * The real work happens in librgtg_spm.so (spm_shim.cpp), which links Debian's libsentencepiece.
 * spm.c loads it with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) on first use, because
 * libsentencepiece bundles and exports protobuf 3.14 while libtorch uses the system's 3.21: both in
 * one link map crash at start-up (DESIGN.md). The library is looked up in $RGTG_SPM_LIB, then beside
 * the running executable, then in the build folder's core/ (and ../core/, ../lib/). */
#ifndef RGTG_CORE_SPM_H
#define RGTG_CORE_SPM_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct rgtg_spm rgtg_spm_t;

typedef struct {
    int vocab_size;          /* pieces in the trained model */
    const char *model_type;  /* "unigram" or "bpe" */
    double character_coverage; /* 1.0 for small alphabets, 0.9995 for large ones */
    int threads;             /* trainer threads */
    int64_t input_sentence_size; /* sentences sampled from the input (0: all) */
    uint64_t seed;           /* sampling seed, for reproducible models */
} rgtg_spm_train_params_t;

rgtg_spm_train_params_t rgtg_spm_train_default_params(void);

/* Trains on a text file (one sentence a line) and writes model_path atomically. Ids are fixed:
 * unk 0, bos 1, eos 2, pad 3 (LLaMA's first three, plus a pad piece). */
rgtg_status_t rgtg_spm_train(const char *text_path, const char *model_path,
                             const rgtg_spm_train_params_t *params);

rgtg_status_t rgtg_spm_load(const char *model_path, rgtg_spm_t **out);
void rgtg_spm_free(rgtg_spm_t *spm);

/* Encodes text (len bytes, no BOS/EOS added) into a malloc'd id array. */
rgtg_status_t rgtg_spm_encode(const rgtg_spm_t *spm, const char *text, size_t len,
                              int32_t **ids_out, size_t *count_out);
/* Decodes ids into a malloc'd NUL-terminated string; control ids (bos, eos, pad) are skipped. */
rgtg_status_t rgtg_spm_decode(const rgtg_spm_t *spm, const int32_t *ids, size_t count, char **text_out);

int rgtg_spm_vocab_size(const rgtg_spm_t *spm);
int rgtg_spm_bos_id(const rgtg_spm_t *spm);
int rgtg_spm_eos_id(const rgtg_spm_t *spm);
int rgtg_spm_pad_id(const rgtg_spm_t *spm);
int rgtg_spm_unk_id(const rgtg_spm_t *spm);
/* The piece of id (owned by spm, valid until rgtg_spm_free) or NULL when out of range. */
const char *rgtg_spm_id_to_piece(const rgtg_spm_t *spm, int id);
int rgtg_spm_piece_to_id(const rgtg_spm_t *spm, const char *piece); /* unk id when unknown */

#endif
