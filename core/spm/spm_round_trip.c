/* core/spm/spm_round_trip.c: whether a text survives a tokenizer (decode(encode(text)) == text) and
 * how many unknown pieces its encoding holds: the check behind "lossless" (spm.h). */
#include <stdlib.h>
#include <string.h>

#include "spm.h"
#include "spm_internal.h"

rgtg_status_t rgtg_spm_round_trip_ids(const rgtg_spm_t *spm, const char *text, size_t len, const int32_t *ids,
                                      size_t count, rgtg_spm_round_trip_t *out) {
    if (spm == NULL || out == NULL || (text == NULL && len > 0) || (ids == NULL && count > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_round_trip: NULL argument");
    memset(out, 0, sizeof *out);
    int unk = rgtg_spm_unk_id(spm);
    for (size_t i = 0; i < count; i++) out->unknown_pieces += ids[i] == unk;
    /* SentencePiece's Decode costs about as much as Encode; where the model's decoder works piece by
       piece a match is shown at a small part of that, and only a text that does not match is decoded */
    if (memchr(text != NULL ? text : "", '\0', len) == NULL && rgtg_spm_piecewise_match(spm, text, len, ids, count)) {
        out->exact = true;
        return RGTG_OK;
    }
    char *decoded = NULL;
    rgtg_status_t status = rgtg_spm_decode(spm, ids, count, &decoded);
    if (status != RGTG_OK) return status;
    /* decode gives a NUL-terminated string: a text holding NUL never comes back whole */
    size_t decoded_len = strlen(decoded), same = 0;
    while (same < len && same < decoded_len && text[same] == decoded[same]) same++;
    out->exact = same == len && same == decoded_len;
    out->first_difference = out->exact ? 0 : same;
    free(decoded);
    return RGTG_OK;
}

rgtg_status_t rgtg_spm_round_trip(const rgtg_spm_t *spm, const char *text, size_t len, rgtg_spm_round_trip_t *out) {
    if (spm == NULL || out == NULL || (text == NULL && len > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_spm_round_trip: NULL argument");
    int32_t *ids = NULL;
    size_t count = 0;
    rgtg_status_t status = rgtg_spm_encode(spm, text, len, &ids, &count);
    if (status == RGTG_OK) status = rgtg_spm_round_trip_ids(spm, text, len, ids, count, out);
    free(ids);
    return status;
}
