/* eval/porter.h: the Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980) with
 * the deviations of NLTK's default mode (PorterStemmer.NLTK_EXTENSIONS, NLTK 3.8), which is the mode
 * the rouge-score package uses when use_stemmer=True:
 *   - a few irregular forms map directly (skies/sky -> sky, dying -> die, lying -> lie, tying -> tie,
 *     news, innings/inning, outings/outing, cannings/canning, howe, proceed, exceed, succeed);
 *   - words of at most two letters are returned unchanged;
 *   - step 1a: a four-letter word ending in -ies keeps -ie (ties -> tie);
 *   - step 1b: -ied becomes -ie in four-letter words, -i otherwise;
 *   - step 1c: y -> i only after a consonant that is not the first letter;
 *   - step 2: -alli -> -al first (then step 2 again), -bli -> -ble (not -abli -> -able), -fulli -> -ful,
 *     -logi -> -log;
 *   - the *o condition also holds for a two-letter vowel-consonant stem.
 * Input is lowercased (ASCII) first, as NLTK does; the irregular-form lookup sees the original bytes,
 * as NLTK's does. Bytes >= 0x80 count as consonants (rouge-score never passes any). */
#ifndef RGTG_EVAL_PORTER_H
#define RGTG_EVAL_PORTER_H

#include <stddef.h>

#include "../core/status.h"

/* Stems word[0..length) into out, which must hold at least length + 2 bytes; writes the stem's length
 * to *out_length and a terminating NUL. RGTG_ERR_INVALID when out_capacity < length + 2. */
rgtg_status_t rgtg_porter_stem(const char *word, size_t length, char *out, size_t out_capacity, size_t *out_length);

#endif
