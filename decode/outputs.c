/* decode/outputs.c: Best-of-N ranking and gathering outputs over ranks (see outputs.h). */
#include "outputs.h"

#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/dist.h"

void rgtg_decode_outputs_free(rgtg_decode_output_t *outputs, int64_t count) {
    for (int64_t i = 0; outputs && i < count; i++) {
        rgtg_decoded_free(&outputs[i].kept);
        free(outputs[i].bon_rewards);
    }
    free(outputs);
}

#define SCORER_ROWS 64

rgtg_status_t rgtg_decode_best_of(const rgtg_model_t *scorer, rgtg_decoded_t *rows, int64_t n,
                                  const int32_t *const *prompts, const int64_t *prompt_lengths, int64_t outputs_count,
                                  rgtg_decode_output_t *outputs) {
    int64_t total = outputs_count * n;
    int64_t **seqs = calloc((size_t)total + 1, sizeof *seqs), *lens = calloc((size_t)total + 1, sizeof *lens);
    float *rewards = calloc((size_t)total + 1, sizeof *rewards);
    rgtg_status_t st = seqs && lens && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < total; i++) {
        const int32_t *prompt = prompts[i / n];
        int64_t plen = prompt_lengths[i / n];
        lens[i] = plen + rows[i].count;
        seqs[i] = malloc(sizeof(int64_t) * (size_t)lens[i]);
        if (!seqs[i]) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        for (int64_t t = 0; t < plen; t++) seqs[i][t] = prompt[t];
        for (int64_t t = 0; t < rows[i].count; t++) seqs[i][plen + t] = rows[i].tokens[t];
    }
    /* an output's samples are scored by themselves, SCORER_ROWS a forward: the shapes, and so the
     * rewards to the last bit, do not depend on which outputs share a rank or on --batch */
    double began = rgtg_now_seconds();
    for (int64_t o = 0; st == RGTG_OK && o < outputs_count; o++)
        st = rgtg_model_sequence_rewards(scorer, (const int64_t *const *)seqs + o * n, lens + o * n, n, SCORER_ROWS,
                                         rewards + o * n);
    double scoring = rgtg_now_seconds() - began;
    for (int64_t o = 0; st == RGTG_OK && o < outputs_count; o++) {
        rgtg_decode_output_t *out = &outputs[o];
        rgtg_decoded_t *samples = rows + o * n;
        out->bon_rewards = malloc(sizeof(double) * (size_t)n);
        if (!out->bon_rewards) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        out->bon_count = n;
        int64_t best = 0;
        for (int64_t j = 0; j < n; j++) {
            out->bon_rewards[j] = rewards[o * n + j];
            if (rewards[o * n + j] > rewards[o * n + best]) best = j;
        }
        if (rewards[o * n + best] != rewards[o * n + best]) {
            st = rgtg_error_set(RGTG_ERR_NUMERIC, "decode: the scorer's reward of a sample is NaN");
            break;
        }
        out->bon_kept = best;
        out->kept = samples[best];
        out->kept.lm_forwards = out->kept.rm_forwards = out->kept.candidates_scored = 0;
        out->kept.seconds = scoring / (double)outputs_count;
        for (int64_t j = 0; j < n; j++) {
            out->kept.lm_forwards += samples[j].lm_forwards;
            out->kept.rm_forwards += samples[j].rm_forwards + 1;
            out->kept.candidates_scored += samples[j].candidates_scored;
            out->kept.seconds += samples[j].seconds;
            if (j != best) rgtg_decoded_free(&samples[j]);
        }
        samples[best].tokens = NULL; /* moved into out->kept */
    }
    for (int64_t i = 0; seqs && i < total; i++) free(seqs[i]);
    free(seqs), free(lens), free(rewards);
    return st;
}

/* ---- gathering: each output as int64 words: count, finished, lm_forwards, rm_forwards,
 * candidates_scored, bon_count, bon_kept, seconds (bits), tokens..., bon rewards (bits)... ---- */

#define HEADER_WORDS 8

static int64_t words_of(const rgtg_decode_output_t *o) { return HEADER_WORDS + o->kept.count + o->bon_count; }

static void pack(const rgtg_decode_output_t *o, int64_t *w) {
    w[0] = o->kept.count, w[1] = o->kept.finished, w[2] = o->kept.lm_forwards, w[3] = o->kept.rm_forwards;
    w[4] = o->kept.candidates_scored, w[5] = o->bon_count, w[6] = o->bon_kept;
    memcpy(&w[7], &o->kept.seconds, sizeof(double));
    for (int64_t t = 0; t < o->kept.count; t++) w[HEADER_WORDS + t] = o->kept.tokens[t];
    for (int64_t j = 0; j < o->bon_count; j++) memcpy(&w[HEADER_WORDS + o->kept.count + j], &o->bon_rewards[j], sizeof(double));
}

/* Reads one output at w (remaining words left); returns the words used, or -1 when malformed. */
static int64_t unpack(const int64_t *w, int64_t left, rgtg_decode_output_t *o) {
    if (left < HEADER_WORDS || w[0] < 0 || w[5] < 0 || HEADER_WORDS + w[0] + w[5] > left) return -1;
    memset(o, 0, sizeof *o);
    o->kept.count = w[0], o->kept.finished = w[1] != 0, o->kept.lm_forwards = w[2], o->kept.rm_forwards = w[3];
    o->kept.candidates_scored = w[4], o->bon_count = w[5], o->bon_kept = w[6];
    memcpy(&o->kept.seconds, &w[7], sizeof(double));
    o->kept.tokens = malloc(sizeof(int32_t) * (size_t)(o->kept.count + 1));
    o->bon_rewards = o->bon_count ? malloc(sizeof(double) * (size_t)o->bon_count) : NULL;
    if (!o->kept.tokens || (o->bon_count && !o->bon_rewards)) return -1;
    for (int64_t t = 0; t < o->kept.count; t++) o->kept.tokens[t] = (int32_t)w[HEADER_WORDS + t];
    for (int64_t j = 0; j < o->bon_count; j++) memcpy(&o->bon_rewards[j], &w[HEADER_WORDS + o->kept.count + j], sizeof(double));
    return words_of(o);
}

rgtg_status_t rgtg_decode_gather(rgtg_decode_output_t *local, int64_t local_count, rgtg_decode_output_t **all_out,
                                 int64_t *all_count_out) {
    int rank = rgtg_dist_rank(), world = rgtg_dist_world_size();
    *all_out = NULL, *all_count_out = 0;
    if (world == 1) {
        *all_out = local, *all_count_out = local_count;
        return RGTG_OK;
    }
    /* every rank's output count, then its words, broadcast from it in rank order */
    int64_t *counts = calloc((size_t)world, sizeof(int64_t));
    if (!counts) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    counts[rank] = local_count;
    rgtg_status_t st = rgtg_dist_allreduce_max_i64(counts, (size_t)world);
    int64_t total = 0;
    for (int r = 0; r < world; r++) total += counts[r];
    rgtg_decode_output_t *all = rank == 0 ? calloc((size_t)total + 1, sizeof *all) : NULL;
    if (st == RGTG_OK && rank == 0 && !all) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t filled = 0;
    for (int r = 0; st == RGTG_OK && r < world; r++) {
        if (r == 0) {
            if (rank == 0) memcpy(all, local, sizeof *local * (size_t)local_count), filled = local_count;
            continue;
        }
        int64_t words = 0;
        for (int64_t i = 0; rank == r && i < local_count; i++) words += words_of(&local[i]);
        st = rgtg_dist_broadcast(&words, sizeof words, r);
        int64_t *buffer = st == RGTG_OK ? malloc(sizeof(int64_t) * (size_t)(words + 1)) : NULL;
        if (st == RGTG_OK && !buffer) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        if (st == RGTG_OK && rank == r)
            for (int64_t i = 0, at = 0; i < local_count; i++) pack(&local[i], buffer + at), at += words_of(&local[i]);
        if (st == RGTG_OK) st = rgtg_dist_broadcast(buffer, sizeof(int64_t) * (size_t)words, r);
        for (int64_t i = 0, at = 0; st == RGTG_OK && rank == 0 && i < counts[r]; i++) {
            int64_t used = unpack(buffer + at, words - at, &all[filled]);
            if (used < 0) st = rgtg_error_set(RGTG_ERR_FORMAT, "decode: rank %d sent malformed outputs", r);
            else at += used, filled++;
        }
        free(buffer);
    }
    free(counts);
    if (rank == 0) {
        if (filled == 0) rgtg_decode_outputs_free(local, local_count);
        else free(local); /* its contents moved into all */
        if (st != RGTG_OK) {
            rgtg_decode_outputs_free(all, filled);
            return st;
        }
        *all_out = all, *all_count_out = total;
    } else {
        rgtg_decode_outputs_free(local, local_count);
    }
    return st;
}
