/* core/spm/spm_internal.h: what spm.c offers the other files of core/spm beyond spm.h. */
#ifndef RGTG_CORE_SPM_INTERNAL_H
#define RGTG_CORE_SPM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "spm.h"

/* 1 when ids decode to exactly len bytes of text, found cheaply piece by piece (only for models whose
 * decoder works piece by piece); 0 when that cannot be shown this way: the caller then decodes. */
int rgtg_spm_piecewise_match(const rgtg_spm_t *spm, const char *text, size_t len, const int32_t *ids, size_t count);

#endif
