/* eval/porter.c: the Porter stemmer in NLTK's default mode (see porter.h), written from the published
 * algorithm and the list of deviations documented there. The word lives in one buffer; every step
 * edits its tail in place. */
#include "porter.h"

#include <stdbool.h>
#include <string.h>

typedef struct {
    char *text; /* the word being stemmed, NUL-terminated */
    size_t length;
} word_t;

static bool is_vowel_letter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

/* Porter's consonant: not a, e, i, o, u, and not a y that follows a consonant. */
static bool is_consonant(const char *text, size_t i) {
    bool flipped = false; /* each y that follows another letter flips the answer of the letter before */
    for (;;) {
        char c = text[i];
        if (is_vowel_letter(c)) return flipped;
        if (c != 'y' || i == 0) return !flipped;
        flipped = !flipped;
        i--;
    }
}

/* m in [C](VC)^m[V] for the prefix text[0..length). */
static size_t measure(const char *text, size_t length) {
    size_t m = 0;
    bool previous_consonant = true;
    for (size_t i = 0; i < length; i++) {
        bool consonant = is_consonant(text, i);
        if (consonant && !previous_consonant) m++;
        previous_consonant = consonant;
    }
    return m;
}

static bool contains_vowel(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++)
        if (!is_consonant(text, i)) return true;
    return false;
}

/* *d: the prefix ends with a double consonant. */
static bool ends_double_consonant(const char *text, size_t length) {
    return length >= 2 && text[length - 1] == text[length - 2] && is_consonant(text, length - 1);
}

/* *o: the prefix ends consonant-vowel-consonant, the last not w, x or y; NLTK adds a two-letter
 * vowel-consonant prefix. */
static bool ends_cvc(const char *text, size_t length) {
    if (length >= 3) {
        char last = text[length - 1];
        return is_consonant(text, length - 3) && !is_consonant(text, length - 2) &&
               is_consonant(text, length - 1) && last != 'w' && last != 'x' && last != 'y';
    }
    return length == 2 && !is_consonant(text, 0) && is_consonant(text, 1);
}

static bool ends_with(const word_t *word, const char *suffix) {
    size_t n = strlen(suffix);
    return word->length >= n && memcmp(word->text + word->length - n, suffix, n) == 0;
}

/* Replaces the last `remove` bytes with `replacement`. */
static void replace_tail(word_t *word, size_t remove, const char *replacement) {
    size_t n = strlen(replacement);
    memcpy(word->text + word->length - remove, replacement, n);
    word->length = word->length - remove + n;
    word->text[word->length] = '\0';
}

typedef enum {
    NO_CONDITION,
    MEASURE_ABOVE_0, /* m(stem) > 0 */
    MEASURE_ABOVE_1, /* m(stem) > 1 */
    MEASURE_ABOVE_1_AFTER_S_OR_T, /* m(stem) > 1 and the stem ends in s or t */
    LOGI_CONDITION,  /* NLTK's -logi rule: m(word minus "ogi") > 0 */
} condition_t;

typedef struct {
    const char *suffix, *replacement;
    condition_t condition;
} rule_t;

static bool condition_holds(const word_t *word, size_t stem_length, condition_t condition) {
    switch (condition) {
    case NO_CONDITION: return true;
    case MEASURE_ABOVE_0: return measure(word->text, stem_length) > 0;
    case MEASURE_ABOVE_1: return measure(word->text, stem_length) > 1;
    case MEASURE_ABOVE_1_AFTER_S_OR_T:
        return measure(word->text, stem_length) > 1 &&
               (word->text[stem_length - 1] == 's' || word->text[stem_length - 1] == 't');
    case LOGI_CONDITION: return measure(word->text, word->length - 3) > 0;
    }
    return false;
}

/* The first rule whose suffix ends the word decides: it applies when its condition holds, and the word
 * stays as it is otherwise (later rules are not tried). */
static void apply_first_rule(word_t *word, const rule_t *rules, size_t count) {
    for (size_t r = 0; r < count; r++) {
        if (!ends_with(word, rules[r].suffix)) continue;
        size_t suffix_length = strlen(rules[r].suffix);
        if (condition_holds(word, word->length - suffix_length, rules[r].condition))
            replace_tail(word, suffix_length, rules[r].replacement);
        return;
    }
}

static void step_1a(word_t *word) {
    if (ends_with(word, "ies") && word->length == 4) {
        replace_tail(word, 3, "ie");
        return;
    }
    static const rule_t rules[] = {
        {"sses", "ss", NO_CONDITION}, {"ies", "i", NO_CONDITION}, {"ss", "ss", NO_CONDITION}, {"s", "", NO_CONDITION},
    };
    apply_first_rule(word, rules, sizeof rules / sizeof *rules);
}

static void step_1b(word_t *word) {
    if (ends_with(word, "ied")) {
        replace_tail(word, 3, word->length == 4 ? "ie" : "i");
        return;
    }
    if (ends_with(word, "eed")) {
        if (measure(word->text, word->length - 3) > 0) replace_tail(word, 3, "ee");
        return;
    }
    size_t removed = 0;
    if (ends_with(word, "ed") && contains_vowel(word->text, word->length - 2)) removed = 2;
    else if (ends_with(word, "ing") && contains_vowel(word->text, word->length - 3)) removed = 3;
    if (!removed) return;
    replace_tail(word, removed, "");
    if (ends_with(word, "at")) replace_tail(word, 2, "ate");
    else if (ends_with(word, "bl")) replace_tail(word, 2, "ble");
    else if (ends_with(word, "iz")) replace_tail(word, 2, "ize");
    else if (ends_double_consonant(word->text, word->length)) {
        char last = word->text[word->length - 1];
        if (last != 'l' && last != 's' && last != 'z') replace_tail(word, 1, "");
    } else if (measure(word->text, word->length) == 1 && ends_cvc(word->text, word->length)) {
        replace_tail(word, 0, "e");
    }
}

static void step_1c(word_t *word) {
    if (ends_with(word, "y") && word->length - 1 > 1 && is_consonant(word->text, word->length - 2))
        replace_tail(word, 1, "i");
}

static void step_2(word_t *word) {
    while (ends_with(word, "alli") && measure(word->text, word->length - 4) > 0) replace_tail(word, 4, "al");
    static const rule_t rules[] = {
        {"ational", "ate", MEASURE_ABOVE_0}, {"tional", "tion", MEASURE_ABOVE_0},
        {"enci", "ence", MEASURE_ABOVE_0},   {"anci", "ance", MEASURE_ABOVE_0},
        {"izer", "ize", MEASURE_ABOVE_0},    {"bli", "ble", MEASURE_ABOVE_0},
        {"alli", "al", MEASURE_ABOVE_0},     {"entli", "ent", MEASURE_ABOVE_0},
        {"eli", "e", MEASURE_ABOVE_0},       {"ousli", "ous", MEASURE_ABOVE_0},
        {"ization", "ize", MEASURE_ABOVE_0}, {"ation", "ate", MEASURE_ABOVE_0},
        {"ator", "ate", MEASURE_ABOVE_0},    {"alism", "al", MEASURE_ABOVE_0},
        {"iveness", "ive", MEASURE_ABOVE_0}, {"fulness", "ful", MEASURE_ABOVE_0},
        {"ousness", "ous", MEASURE_ABOVE_0}, {"aliti", "al", MEASURE_ABOVE_0},
        {"iviti", "ive", MEASURE_ABOVE_0},   {"biliti", "ble", MEASURE_ABOVE_0},
        {"fulli", "ful", MEASURE_ABOVE_0},   {"logi", "log", LOGI_CONDITION},
    };
    apply_first_rule(word, rules, sizeof rules / sizeof *rules);
}

static void step_3(word_t *word) {
    static const rule_t rules[] = {
        {"icate", "ic", MEASURE_ABOVE_0}, {"ative", "", MEASURE_ABOVE_0}, {"alize", "al", MEASURE_ABOVE_0},
        {"iciti", "ic", MEASURE_ABOVE_0}, {"ical", "ic", MEASURE_ABOVE_0}, {"ful", "", MEASURE_ABOVE_0},
        {"ness", "", MEASURE_ABOVE_0},
    };
    apply_first_rule(word, rules, sizeof rules / sizeof *rules);
}

static void step_4(word_t *word) {
    static const rule_t rules[] = {
        {"al", "", MEASURE_ABOVE_1},   {"ance", "", MEASURE_ABOVE_1}, {"ence", "", MEASURE_ABOVE_1},
        {"er", "", MEASURE_ABOVE_1},   {"ic", "", MEASURE_ABOVE_1},   {"able", "", MEASURE_ABOVE_1},
        {"ible", "", MEASURE_ABOVE_1}, {"ant", "", MEASURE_ABOVE_1},  {"ement", "", MEASURE_ABOVE_1},
        {"ment", "", MEASURE_ABOVE_1}, {"ent", "", MEASURE_ABOVE_1},  {"ion", "", MEASURE_ABOVE_1_AFTER_S_OR_T},
        {"ou", "", MEASURE_ABOVE_1},   {"ism", "", MEASURE_ABOVE_1},  {"ate", "", MEASURE_ABOVE_1},
        {"iti", "", MEASURE_ABOVE_1},  {"ous", "", MEASURE_ABOVE_1},  {"ive", "", MEASURE_ABOVE_1},
        {"ize", "", MEASURE_ABOVE_1},
    };
    apply_first_rule(word, rules, sizeof rules / sizeof *rules);
}

static void step_5a(word_t *word) {
    if (!ends_with(word, "e")) return;
    size_t m = measure(word->text, word->length - 1);
    if (m > 1 || (m == 1 && !ends_cvc(word->text, word->length - 1))) replace_tail(word, 1, "");
}

static void step_5b(word_t *word) {
    if (ends_with(word, "ll") && measure(word->text, word->length - 1) > 1) replace_tail(word, 1, "");
}

/* NLTK's irregular forms: the word as given -> its stem. */
static const char *irregular_stem(const char *word, size_t length) {
    static const char *const forms[][2] = {
        {"sky", "sky"},         {"skies", "sky"},     {"dying", "die"},       {"lying", "lie"},
        {"tying", "tie"},       {"news", "news"},     {"innings", "inning"},  {"inning", "inning"},
        {"outings", "outing"},  {"outing", "outing"}, {"cannings", "canning"}, {"canning", "canning"},
        {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
        if (strlen(forms[i][0]) == length && memcmp(forms[i][0], word, length) == 0) return forms[i][1];
    return NULL;
}

rgtg_status_t rgtg_porter_stem(const char *word, size_t length, char *out, size_t out_capacity, size_t *out_length) {
    if (!word || !out || out_capacity < length + 2)
        return rgtg_error_set(RGTG_ERR_INVALID, "porter: the output buffer needs %zu bytes, has %zu", length + 2,
                              out_capacity);
    const char *irregular = irregular_stem(word, length);
    if (irregular) {
        size_t n = strlen(irregular);
        memcpy(out, irregular, n + 1);
        *out_length = n;
        return RGTG_OK;
    }
    for (size_t i = 0; i < length; i++)
        out[i] = word[i] >= 'A' && word[i] <= 'Z' ? (char)(word[i] - 'A' + 'a') : word[i];
    out[length] = '\0';
    word_t stem = {out, length};
    if (length > 2) {
        step_1a(&stem);
        step_1b(&stem);
        step_1c(&stem);
        step_2(&stem);
        step_3(&stem);
        step_4(&stem);
        step_5a(&stem);
        step_5b(&stem);
    }
    *out_length = stem.length;
    return RGTG_OK;
}
