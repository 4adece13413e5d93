/* data/gold.c: the gold reward of the WordNet "define" tasks (the formula is in gold.h, the design and
 * its rationale in GOLD.md): text to distinct content words, the target sense's vocabularies, the
 * score and its parts, Bradley-Terry draws and summaries. */
#define _POSIX_C_SOURCE 200809L
#include "gold.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rgtg_gold {
    const rgtg_wordnet_t *db;
    rgtg_wordnet_t *owned_db; /* set by rgtg_gold_open */
    rgtg_gold_params_t params;
};

rgtg_gold_params_t rgtg_gold_default_params(void) {
    rgtg_gold_params_t p = {
        .weight_definition = 2.0,
        .weight_synonym = 0.5,
        .weight_hypernym = 0.75,
        .weight_example = 0.5,
        .coverage_scale = 3.0,
        .synonyms_for_full = 2,
        .example_words_for_full = 3,
        .related_max = 4,
        .other_senses_max = 6,
        .other_sense_penalty = 0.3,
        .other_sense_cap = 1.5,
        .off_topic_penalty = 0.1,
        .off_topic_free = 2,
        .off_topic_cap = 1.5,
        .repeat_penalty = 2.0,
        .length_budget_words = 45,
        .length_penalty = 0.05,
        .length_cap = 2.0,
        .unfinished_penalty = 0.5,
        .no_content_penalty = 1.0,
    };
    return p;
}

const char *rgtg_gold_params_string(const rgtg_gold_params_t *p, char *buf, size_t cap) {
    snprintf(buf, cap,
             "gold=v1 w_def=%g w_syn=%g w_hyp=%g w_ex=%g scale=%g syn_full=%d ex_full=%d related_max=%d "
             "other_max=%d other=%g/%g off_topic=%g/free%d/%g repeat=%g budget=%d length=%g/%g unfinished=%g "
             "no_content=%g",
             p->weight_definition, p->weight_synonym, p->weight_hypernym, p->weight_example, p->coverage_scale,
             p->synonyms_for_full, p->example_words_for_full, p->related_max, p->other_senses_max,
             p->other_sense_penalty, p->other_sense_cap, p->off_topic_penalty, p->off_topic_free, p->off_topic_cap,
             p->repeat_penalty, p->length_budget_words, p->length_penalty, p->length_cap, p->unfinished_penalty,
             p->no_content_penalty);
    return buf;
}

rgtg_status_t rgtg_gold_create(const rgtg_wordnet_t *db, const rgtg_gold_params_t *params, rgtg_gold_t **out) {
    *out = NULL;
    const rgtg_gold_params_t *p = params;
    double nonneg[] = {p->weight_definition, p->weight_synonym, p->weight_hypernym, p->weight_example,
                       p->other_sense_penalty, p->other_sense_cap, p->off_topic_penalty, p->off_topic_cap,
                       p->repeat_penalty, p->length_penalty, p->length_cap, p->unfinished_penalty,
                       p->no_content_penalty};
    for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++)
        if (!(nonneg[i] >= 0) || !isfinite(nonneg[i]))
            return rgtg_error_set(RGTG_ERR_INVALID, "gold: weights and penalties must be finite and not negative");
    if (!(p->weight_definition + p->weight_synonym + p->weight_hypernym + p->weight_example > 0) ||
        !(p->coverage_scale > 0) || !isfinite(p->coverage_scale))
        return rgtg_error_set(RGTG_ERR_INVALID, "gold: coverage_scale and at least one weight must be positive");
    if (p->synonyms_for_full < 1 || p->example_words_for_full < 1 || p->related_max < 0 || p->other_senses_max < 0 ||
        p->off_topic_free < 0 || p->length_budget_words < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "gold: counts must be positive (related_max, other_senses_max and "
                                                "off_topic_free may be 0)");
    rgtg_gold_t *g = calloc(1, sizeof *g);
    if (!g) return rgtg_error_set(RGTG_ERR_NOMEM, "gold: out of memory");
    g->db = db;
    g->params = *params;
    *out = g;
    return RGTG_OK;
}

void rgtg_gold_free(rgtg_gold_t *gold) {
    if (!gold) return;
    rgtg_wordnet_free(gold->owned_db);
    free(gold);
}

rgtg_status_t rgtg_gold_open(const char *wordnet_dir, const rgtg_gold_params_t *params, rgtg_gold_t **out) {
    *out = NULL;
    rgtg_wordnet_t *db = NULL;
    rgtg_status_t st = rgtg_wordnet_load(wordnet_dir, &db);
    if (st == RGTG_OK) st = rgtg_gold_create(db, params, out);
    if (st != RGTG_OK) {
        rgtg_wordnet_free(db);
        return st;
    }
    (*out)->owned_db = db;
    return RGTG_OK;
}

const rgtg_wordnet_t *rgtg_gold_wordnet(const rgtg_gold_t *gold) { return gold->db; }
const rgtg_gold_params_t *rgtg_gold_params(const rgtg_gold_t *gold) { return &gold->params; }

/* ---- words ---- */

enum { WORD_MAX = 48 }; /* longer words are cut (no English word of WordNet's glosses is that long) */

/* Function words: never content (sorted, for bsearch). */
static const char *const stopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
    "did", "do", "does", "doing", "done", "down", "during", "each", "either", "etc", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
    "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more",
    "most", "much", "must", "my", "myself", "neither", "no", "nor", "not", "now", "of", "off", "often", "on",
    "once", "one", "only", "or", "other", "others", "our", "ours", "out", "over", "own", "per", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
    "there", "these", "they", "this", "those", "through", "thus", "to", "too", "under", "until", "up", "upon",
    "us", "very", "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom",
    "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
};

/* Scaffold words of a definition ("a kind of", "for example", "synonyms include"): content words that
 * earn nothing and cost nothing unless the target's vocabulary holds them (stems, sorted). */
static const char *const neutral_words[] = {
    "adjective", "adverb", "another", "call", "called", "certain", "define", "defined", "definition",
    "especially", "example", "include", "including", "instance", "kind", "known", "like", "mean", "meaning",
    "meant", "name", "noun", "opposite", "particular", "refer", "referring", "relate", "related", "sense",
    "short", "similar", "somebody", "someone", "something", "sometime", "sort", "synonym", "term", "thing",
    "type", "usually", "verb", "way", "word",
};

static int compare_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in_list(const char *w, const char *const *list, size_t n) {
    return bsearch(&w, list, n, sizeof *list, compare_str) != NULL;
}

static int ends_with(const char *w, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n >= k && memcmp(w + n - k, suffix, k) == 0;
}

/* The plural rule, in place: -ies -> -y, -(x|ch|sh|ss|z)es -> -\1, -s -> "" (not -ss, -us, -is). */
static void stem_in_place(char *w) {
    size_t n = strlen(w);
    if (n >= 5 && ends_with(w, n, "ies")) {
        strcpy(w + n - 3, "y");
    } else if (n >= 5 && (ends_with(w, n, "xes") || ends_with(w, n, "ches") || ends_with(w, n, "shes") ||
                          ends_with(w, n, "sses") || ends_with(w, n, "zes"))) {
        w[n - 2] = '\0';
    } else if (n >= 4 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
        w[n - 1] = '\0';
    }
}

/* The next lowercase ASCII word of text at *cursor into word[WORD_MAX]; 0 at the end. */
static int next_word(const char **cursor, char *word) {
    const char *p = *cursor;
    while (*p && !isalpha((unsigned char)*p)) p++;
    if (!*p) return 0;
    size_t n = 0;
    while (isalpha((unsigned char)*p)) {
        if (n + 1 < WORD_MAX) word[n++] = (char)tolower((unsigned char)*p);
        p++;
    }
    word[n] = '\0';
    *cursor = p;
    return 1;
}

/* word -> its content stem in place; 0 when it is not a content word. */
static int content_stem(char *word) {
    if (in_list(word, stopwords, sizeof stopwords / sizeof stopwords[0])) return 0;
    stem_in_place(word);
    return strlen(word) >= 3;
}

/* ---- sets of stems: malloc'd strings, sorted and unique after set_seal ---- */

typedef struct {
    char **items;
    size_t count, cap;
    int sealed;
} stem_set_t;

static void set_free(stem_set_t *s) {
    for (size_t i = 0; i < s->count; i++) free(s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

static int set_add(stem_set_t *s, const char *w) {
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **items = realloc(s->items, cap * sizeof *items);
        if (!items) return -1;
        s->items = items;
        s->cap = cap;
    }
    if (!(s->items[s->count] = strdup(w))) return -1;
    s->count++;
    s->sealed = 0;
    return 0;
}

static void set_seal(stem_set_t *s) {
    if (s->sealed) return;
    qsort(s->items, s->count, sizeof *s->items, compare_str);
    size_t k = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (k > 0 && strcmp(s->items[k - 1], s->items[i]) == 0) {
            free(s->items[i]);
            continue;
        }
        s->items[k++] = s->items[i];
    }
    s->count = k;
    s->sealed = 1;
}

static int set_has(const stem_set_t *s, const char *w) {
    return s->sealed && bsearch(&w, s->items, s->count, sizeof *s->items, compare_str) != NULL;
}

/* Adds the content stems of text, except those in any of the excluded sets (NULL ends the list). */
static int set_add_text(stem_set_t *s, const char *text, const stem_set_t *const *excluded) {
    char word[WORD_MAX];
    const char *cursor = text;
    while (next_word(&cursor, word)) {
        if (!content_stem(word)) continue;
        int skip = 0;
        for (const stem_set_t *const *e = excluded; e && *e && !skip; e++) skip = set_has(*e, word);
        if (!skip && set_add(s, word)) return -1;
    }
    return 0;
}

/* |a & b| for sealed sets. */
static size_t set_overlap(const stem_set_t *a, const stem_set_t *b) {
    size_t n = 0;
    for (size_t i = 0; i < a->count; i++) n += (size_t)set_has(b, a->items[i]);
    return n;
}

/* ---- the target's vocabularies ---- */

typedef struct {
    stem_set_t self;       /* the word's own stems: never credited, never penalised */
    stem_set_t definition; /* D */
    stem_set_t example;    /* X: example words not in D */
    stem_set_t *synonyms;  /* one set per synonym phrase */
    size_t synonym_count;
    stem_set_t *related;   /* one set per word of a related synset */
    size_t related_count;
    stem_set_t vocabulary; /* everything on topic: D, X, synonyms, related words and definitions, antonyms */
    stem_set_t other;      /* O: other senses' words that the vocabulary lacks */
    int has_related;
} target_t;

static void target_free(target_t *t) {
    set_free(&t->self);
    set_free(&t->definition);
    set_free(&t->example);
    for (size_t i = 0; i < t->synonym_count; i++) set_free(&t->synonyms[i]);
    free(t->synonyms);
    for (size_t i = 0; i < t->related_count; i++) set_free(&t->related[i]);
    free(t->related);
    set_free(&t->vocabulary);
    set_free(&t->other);
}

/* Appends the stems of phrase (minus self) as one more set of *sets; empty phrases are skipped. */
static int add_phrase(stem_set_t **sets, size_t *count, const char *phrase, const stem_set_t *self) {
    stem_set_t s = {0};
    const stem_set_t *excluded[] = {self, NULL};
    if (set_add_text(&s, phrase, excluded)) return set_free(&s), -1;
    if (s.count == 0) return set_free(&s), 0;
    set_seal(&s);
    stem_set_t *grown = realloc(*sets, (*count + 1) * sizeof *grown);
    if (!grown) return set_free(&s), -1;
    *sets = grown;
    (*sets)[(*count)++] = s;
    return 0;
}

static int is_related_pointer(const char *symbol, rgtg_pos_t pos) {
    switch (pos) {
    case RGTG_POS_NOUN:
    case RGTG_POS_VERB: return !strcmp(symbol, "@") || !strcmp(symbol, "@i");
    case RGTG_POS_ADJ: return !strcmp(symbol, "&");
    case RGTG_POS_ADV: return !strcmp(symbol, "\\");
    default: return 0;
    }
}

static int add_set_items(stem_set_t *dst, const stem_set_t *src) {
    for (size_t i = 0; i < src->count; i++)
        if (set_add(dst, src->items[i])) return -1;
    return 0;
}

static rgtg_status_t build_target(const rgtg_gold_t *g, const char *word, rgtg_pos_t pos, target_t *t,
                                  int64_t *synset_out) {
    memset(t, 0, sizeof *t);
    const rgtg_wordnet_t *db = g->db;
    int64_t li = rgtg_wordnet_find_lemma(db, word, pos);
    if (li < 0) return rgtg_error_set(RGTG_ERR_INVALID, "gold: WordNet has no %s \"%s\"", rgtg_pos_name(pos), word);
    const rgtg_wordnet_lemma_t *lemma = rgtg_wordnet_lemma(db, (size_t)li);
    if (lemma->sense_count < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "gold: the %s \"%s\" has no sense", rgtg_pos_name(pos), word);
    const rgtg_wordnet_synset_t *sense = rgtg_wordnet_synset(db, (size_t)lemma->senses[0]);
    *synset_out = lemma->senses[0];
    int oom = 0;

    /* the word's own stems, stopword or not */
    char w[WORD_MAX];
    const char *cursor = word;
    while (!oom && next_word(&cursor, w)) {
        oom |= set_add(&t->self, w);
        stem_in_place(w);
        oom |= set_add(&t->self, w);
    }
    set_seal(&t->self);
    const stem_set_t *not_self[] = {&t->self, NULL};
    oom |= set_add_text(&t->definition, sense->definition, not_self);
    set_seal(&t->definition);
    const stem_set_t *not_self_or_def[] = {&t->self, &t->definition, NULL};
    for (int e = 0; e < sense->example_count && !oom; e++)
        oom |= set_add_text(&t->example, sense->examples[e], not_self_or_def);
    set_seal(&t->example);
    for (int i = 0; i < sense->word_count && !oom; i++)
        if (strcasecmp(sense->words[i], word) != 0)
            oom |= add_phrase(&t->synonyms, &t->synonym_count, sense->words[i], &t->self);

    /* related synsets give credit (their words); their definitions and antonyms are only on topic */
    oom |= add_set_items(&t->vocabulary, &t->self) | add_set_items(&t->vocabulary, &t->definition) |
           add_set_items(&t->vocabulary, &t->example);
    for (size_t i = 0; i < t->synonym_count && !oom; i++) oom |= add_set_items(&t->vocabulary, &t->synonyms[i]);
    int related = 0;
    for (int p = 0; p < sense->pointer_count && !oom; p++) {
        const rgtg_wordnet_pointer_t *ptr = &sense->pointers[p];
        if (ptr->target < 0) continue;
        const rgtg_wordnet_synset_t *target = rgtg_wordnet_synset(db, (size_t)ptr->target);
        if (is_related_pointer(ptr->symbol, pos) && related < g->params.related_max) {
            related++;
            t->has_related = 1;
            for (int i = 0; i < target->word_count && !oom; i++)
                oom |= add_phrase(&t->related, &t->related_count, target->words[i], &t->self);
            oom |= set_add_text(&t->vocabulary, target->definition, NULL);
        } else if (!strcmp(ptr->symbol, "!")) {
            for (int i = 0; i < target->word_count && !oom; i++)
                oom |= set_add_text(&t->vocabulary, target->words[i], NULL);
        }
    }
    if (t->related_count == 0) t->has_related = 0; /* related synsets whose words are all the word itself */
    for (size_t i = 0; i < t->related_count && !oom; i++) oom |= add_set_items(&t->vocabulary, &t->related[i]);
    set_seal(&t->vocabulary);

    /* other senses of the same pos, most frequent first */
    const stem_set_t *off_vocabulary[] = {&t->vocabulary, NULL};
    for (int s = 1; s < lemma->sense_count && s <= g->params.other_senses_max && !oom; s++) {
        const rgtg_wordnet_synset_t *other = rgtg_wordnet_synset(db, (size_t)lemma->senses[s]);
        oom |= set_add_text(&t->other, other->definition, off_vocabulary);
        for (int e = 0; e < other->example_count && !oom; e++)
            oom |= set_add_text(&t->other, other->examples[e], off_vocabulary);
    }
    size_t k = 0; /* neutral words stay neutral */
    for (size_t i = 0; i < t->other.count; i++) {
        if (in_list(t->other.items[i], neutral_words, sizeof neutral_words / sizeof neutral_words[0]))
            free(t->other.items[i]);
        else t->other.items[k++] = t->other.items[i];
    }
    t->other.count = k;
    set_seal(&t->other);
    if (oom) {
        target_free(t);
        return rgtg_error_set(RGTG_ERR_NOMEM, "gold: out of memory");
    }
    return RGTG_OK;
}

/* ---- the response ---- */

/* The fraction of word trigrams that repeat an earlier trigram (0 under 3 words). */
static double repeated_trigram_fraction(char **words, size_t n) {
    if (n < 3) return 0;
    size_t repeated = 0;
    for (size_t i = 2; i < n; i++) {
        for (size_t j = 2; j < i; j++)
            if (!strcmp(words[i], words[j]) && !strcmp(words[i - 1], words[j - 1]) &&
                !strcmp(words[i - 2], words[j - 2])) {
                repeated++;
                break;
            }
    }
    return (double)repeated / (double)(n - 2);
}

/* 1 when the text ends a sentence: '.', '!' or '?', then perhaps closing quotes or brackets. */
static int ends_sentence(const char *text) {
    size_t n = strlen(text);
    while (n > 0 && (isspace((unsigned char)text[n - 1]) || strchr("\"')]", text[n - 1]))) n--;
    return n > 0 && strchr(".!?", text[n - 1]) != NULL;
}

rgtg_status_t rgtg_gold_score_word(const rgtg_gold_t *gold, const char *word, rgtg_pos_t pos, const char *response,
                                   double *out, rgtg_gold_parts_t *parts_out) {
    const rgtg_gold_params_t *P = &gold->params;
    rgtg_gold_parts_t parts = {0};
    target_t t;
    rgtg_status_t st = build_target(gold, word, pos, &t, &parts.target_synset);
    if (st != RGTG_OK) return st;

    /* the response's words (for trigrams) and distinct content stems */
    size_t n_words = 0, cap = 0;
    char **words = NULL;
    stem_set_t content = {0};
    int oom = 0;
    char w[WORD_MAX];
    const char *cursor = response ? response : "";
    while (!oom && next_word(&cursor, w)) {
        if (n_words == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(words, cap * sizeof *grown);
            if (!grown) {
                oom = 1;
                break;
            }
            words = grown;
        }
        if (!(words[n_words] = strdup(w))) {
            oom = 1;
            break;
        }
        n_words++;
        if (content_stem(w)) oom |= set_add(&content, w);
    }
    set_seal(&content);
    if (oom) {
        for (size_t i = 0; i < n_words; i++) free(words[i]);
        free(words);
        set_free(&content);
        target_free(&t);
        return rgtg_error_set(RGTG_ERR_NOMEM, "gold: out of memory");
    }

    /* coverage */
    double weighted = 0, weights = 0;
    parts.definition = parts.synonym = parts.hypernym = parts.example = -1;
    if (t.definition.count > 0) {
        parts.definition = (double)set_overlap(&t.definition, &content) / (double)t.definition.count;
        weighted += P->weight_definition * parts.definition;
        weights += P->weight_definition;
    }
    if (t.synonym_count > 0) {
        size_t mentioned = 0;
        for (size_t i = 0; i < t.synonym_count; i++)
            mentioned += set_overlap(&t.synonyms[i], &content) == t.synonyms[i].count;
        size_t full = t.synonym_count < (size_t)P->synonyms_for_full ? t.synonym_count : (size_t)P->synonyms_for_full;
        parts.synonym = fmin(1.0, (double)mentioned / (double)full);
        weighted += P->weight_synonym * parts.synonym;
        weights += P->weight_synonym;
    }
    if (t.has_related) {
        parts.hypernym = 0;
        for (size_t i = 0; i < t.related_count; i++)
            if (set_overlap(&t.related[i], &content) == t.related[i].count) parts.hypernym = 1;
        weighted += P->weight_hypernym * parts.hypernym;
        weights += P->weight_hypernym;
    }
    if (t.example.count > 0) {
        size_t full =
            t.example.count < (size_t)P->example_words_for_full ? t.example.count : (size_t)P->example_words_for_full;
        parts.example = fmin(1.0, (double)set_overlap(&t.example, &content) / (double)full);
        weighted += P->weight_example * parts.example;
        weights += P->weight_example;
    }
    parts.coverage = weights > 0 ? P->coverage_scale * weighted / weights : 0;

    /* penalties */
    size_t substantive = 0;
    for (size_t i = 0; i < content.count; i++) {
        const char *c = content.items[i];
        int neutral = in_list(c, neutral_words, sizeof neutral_words / sizeof neutral_words[0]);
        if (set_has(&t.vocabulary, c)) {
            if (!set_has(&t.self, c)) substantive++;
        } else if (set_has(&t.other, c)) {
            parts.other_sense_words++;
            substantive++;
        } else if (!neutral) {
            parts.off_topic_words++;
            substantive++;
        }
    }
    parts.words = (int)n_words;
    parts.content_words = (int)content.count;
    parts.other_sense = fmin(P->other_sense_cap, P->other_sense_penalty * parts.other_sense_words);
    int beyond_free = parts.off_topic_words - P->off_topic_free;
    parts.off_topic = fmin(P->off_topic_cap, P->off_topic_penalty * (beyond_free > 0 ? beyond_free : 0));
    parts.repeat = P->repeat_penalty * repeated_trigram_fraction(words, n_words);
    int over = (int)n_words - P->length_budget_words;
    parts.length = fmin(P->length_cap, P->length_penalty * (over > 0 ? over : 0));
    parts.unfinished = ends_sentence(response ? response : "") ? 0 : P->unfinished_penalty;
    parts.no_content = substantive == 0 ? P->no_content_penalty : 0;
    parts.total = parts.coverage - (parts.other_sense + parts.off_topic + parts.repeat + parts.length +
                                    parts.unfinished + parts.no_content);

    for (size_t i = 0; i < n_words; i++) free(words[i]);
    free(words);
    set_free(&content);
    target_free(&t);
    *out = parts.total;
    if (parts_out) *parts_out = parts;
    return RGTG_OK;
}

rgtg_status_t rgtg_gold_parse_prompt(const char *prompt, char *word_out, size_t cap, rgtg_pos_t *pos_out) {
    static const char marker[] = "Define the word \"";
    const char *start = prompt ? strstr(prompt, marker) : NULL;
    if (start) {
        start += sizeof marker - 1;
        const char *end = strchr(start, '"');
        if (end && end > start && (size_t)(end - start) < cap && !strncmp(end, "\" (", 3)) {
            const char *pos_name = end + 3, *close = strchr(pos_name, ')');
            for (int p = 0; close && p < RGTG_POS_COUNT; p++) {
                const char *name = rgtg_pos_name((rgtg_pos_t)p);
                if ((size_t)(close - pos_name) == strlen(name) && !strncmp(pos_name, name, strlen(name))) {
                    memcpy(word_out, start, (size_t)(end - start));
                    word_out[end - start] = '\0';
                    *pos_out = (rgtg_pos_t)p;
                    return RGTG_OK;
                }
            }
        }
    }
    return rgtg_error_set(
        RGTG_ERR_INVALID,
        "gold: not a \"define\" prompt (it must hold 'Define the word \"WORD\" (noun|verb|adjective|adverb)')");
}

rgtg_status_t rgtg_gold_score(const rgtg_gold_t *gold, const char *prompt, const char *response, double *out,
                              rgtg_gold_parts_t *parts) {
    char word[256];
    rgtg_pos_t pos;
    rgtg_status_t st = rgtg_gold_parse_prompt(prompt, word, sizeof word, &pos);
    if (st != RGTG_OK) return st;
    return rgtg_gold_score_word(gold, word, pos, response, out, parts);
}

rgtg_status_t rgtg_gold_score_items(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const char *source, double *scores) {
    return rgtg_gold_score_items_parts(gold, items, n, source, scores, NULL);
}

rgtg_status_t rgtg_gold_score_items_parts(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                          const char *source, double *scores, rgtg_gold_parts_t *parts) {
    for (size_t i = 0; i < n; i++) {
        rgtg_status_t st = rgtg_gold_score(gold, items[i].prompt, items[i].response, &scores[i], parts ? &parts[i] : NULL);
        if (st != RGTG_OK) {
            char cause[512];
            snprintf(cause, sizeof cause, "%s", rgtg_error_message());
            rgtg_error_clear();
            return rgtg_error_set(st, "%s: row %zu (id %lld): %s", source ? source : "rows", i + 1,
                                  (long long)items[i].id, cause);
        }
    }
    return RGTG_OK;
}

rgtg_gold_item_t *rgtg_gold_items_of_generations(const rgtg_generation_t *rows, size_t n) {
    rgtg_gold_item_t *items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; items && i < n; i++) {
        int sample = rows[i].format_version >= 2 && rows[i].sample <= INT32_MAX ? (int)rows[i].sample : -1;
        items[i] = (rgtg_gold_item_t){rows[i].id, sample, rows[i].prompt, rows[i].response};
    }
    return items;
}

rgtg_status_t rgtg_gold_score_file(const rgtg_gold_t *gold, const char *gens_path, const char *write_path,
                                   rgtg_gold_summary_t *summary) {
    rgtg_generation_t *rows = NULL;
    size_t n = 0;
    rgtg_status_t st = rgtg_gen_read(gens_path, &rows, &n);
    rgtg_gold_item_t *items = st == RGTG_OK ? rgtg_gold_items_of_generations(rows, n) : NULL;
    double *scores = st == RGTG_OK ? calloc(n ? n : 1, sizeof *scores) : NULL;
    rgtg_gold_parts_t *parts = st == RGTG_OK ? calloc(n ? n : 1, sizeof *parts) : NULL;
    if (st == RGTG_OK && (!items || !scores || !parts)) st = rgtg_error_set(RGTG_ERR_NOMEM, "gold: out of memory");
    if (st == RGTG_OK) st = rgtg_gold_score_items_parts(gold, items, n, gens_path, scores, parts);
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        rows[i].reward = scores[i];
        rows[i].has_reward = true;
    }
    if (st == RGTG_OK && write_path) st = rgtg_gen_write_all(write_path, rows, n);
    if (st == RGTG_OK) {
        *summary = rgtg_gold_summarize(scores, n);
        for (size_t i = 0; i < n; i++) {
            const rgtg_gold_parts_t *q = &parts[i];
            summary->coverage += q->coverage / (double)n, summary->other_sense += q->other_sense / (double)n;
            summary->off_topic += q->off_topic / (double)n, summary->repeat += q->repeat / (double)n;
            summary->length += q->length / (double)n, summary->unfinished += q->unfinished / (double)n;
            summary->no_content += q->no_content / (double)n, summary->words += q->words / (double)n;
        }
    }
    free(scores);
    free(parts);
    free(items);
    rgtg_gen_free(rows, n);
    return st;
}

rgtg_gold_eval_params_t rgtg_gold_eval_default_params(void) {
    rgtg_gold_eval_params_t p = {.wordnet_dir = "/usr/share/wordnet", .gold = rgtg_gold_default_params()};
    return p;
}

rgtg_status_t rgtg_gold_eval(const rgtg_gold_eval_params_t *p, rgtg_gold_summary_t *summaries) {
    if (p->gens_count < 1 || p->gens_count > RGTG_GOLD_MAX_FILES)
        return rgtg_error_set(RGTG_ERR_INVALID, "gold: 1 to %d generations files, not %d", RGTG_GOLD_MAX_FILES,
                              p->gens_count);
    if (p->out && (p->gens_count != 1 || p->as_reward))
        return rgtg_error_set(RGTG_ERR_INVALID, "gold: --out takes one generations file and no --as-reward");
    rgtg_gold_t *gold = NULL;
    rgtg_status_t st = rgtg_gold_open(p->wordnet_dir, &p->gold, &gold);
    for (int i = 0; st == RGTG_OK && i < p->gens_count; i++)
        st = rgtg_gold_score_file(gold, p->gens[i], p->out ? p->out : p->as_reward ? p->gens[i] : NULL, &summaries[i]);
    rgtg_gold_free(gold);
    return st;
}

/* ---- Bradley-Terry ---- */

double rgtg_gold_bt_probability(double gold_a, double gold_b, double scale) {
    double x = (gold_a - gold_b) / scale;
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

int rgtg_gold_bt_draw(rgtg_rng_t *rng, double gold_a, double gold_b, double scale) {
    return rgtg_rng_uniform(rng) < rgtg_gold_bt_probability(gold_a, gold_b, scale);
}

rgtg_gold_summary_t rgtg_gold_summarize(const double *values, size_t n) {
    rgtg_gold_summary_t s = {.n = n};
    if (n == 0) return s;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += values[i];
    s.mean = sum / (double)n;
    if (n < 2) return s;
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (values[i] - s.mean) * (values[i] - s.mean);
    s.sd = sqrt(ss / (double)(n - 1));
    s.se = s.sd / sqrt((double)n);
    return s;
}
