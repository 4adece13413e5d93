/* data/define_long.c: the "define-long" task (see define_long.h): paragraphs built from a synset's
 * WordNet entry, their degraded variants, and pairs labelled by the gold reward. */
#define _POSIX_C_SOURCE 200809L
#include "define_long.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template.h"

static const char *const variant_names[RGTG_DEFINE_LONG_VARIANT_COUNT] = {
    "good", "wrong_sense", "other_word", "late_intrusion", "truncated", "padded", "repeated", "sparse",
};

const char *rgtg_define_long_variant_name(rgtg_define_long_variant_t v) {
    return (unsigned)v < RGTG_DEFINE_LONG_VARIANT_COUNT ? variant_names[v] : "unknown";
}

rgtg_define_long_params_t rgtg_define_long_default_params(void) {
    rgtg_define_long_params_t p = {
        .words = rgtg_wordnet_pair_default_params(),
        .second_good = 0.3,
        .variant_weight = {0, 1.2, 1.0, 1.2, 1.0, 0.8, 0.8, 0.6},
        .bt_scale = 1.0,
        .pairs_per_word = 1,
        .gold = rgtg_gold_default_params(),
    };
    p.words.max_definition_chars = 80;
    return p;
}

/* ---- a growable string ---- */

typedef struct {
    char *text;
    size_t len, cap;
    int oom;
} text_t;

static void text_printf(text_t *t, const char *fmt, ...) {
    if (t->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = 1;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 128;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        char *grown = realloc(t->text, cap);
        if (!grown) {
            t->oom = 1;
            return;
        }
        t->text = grown;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->text + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* ---- sentences about one synset ---- */

enum { SENTENCE_MAX = 1024, MAX_SENTENCES = 8 }; /* a WordNet gloss is at most about 510 bytes */

typedef struct {
    char text[MAX_SENTENCES][SENTENCE_MAX];
    int count;
    int definition; /* index of the definition sentence, -1 when none */
} paragraph_t;

static const char *pick(rgtg_rng_t *rng, const char *const *options, size_t n) {
    return options[rgtg_rng_below(rng, n)];
}

/* Copies s with its first letter upper-cased. */
static void capitalized(char *out, size_t cap, const char *s) {
    snprintf(out, cap, "%s", s);
    if (out[0]) out[0] = (char)toupper((unsigned char)out[0]);
}

static void definition_sentence(char *out, const rgtg_wordnet_synset_t *s, const char *word, rgtg_rng_t *rng) {
    char cap[SENTENCE_MAX - 16];
    capitalized(cap, sizeof cap, s->definition);
    switch (rgtg_rng_below(rng, 3)) {
    case 0: snprintf(out, SENTENCE_MAX, "%s.", cap); break;
    case 1:
        snprintf(out, SENTENCE_MAX, s->pos == RGTG_POS_VERB ? "It means to %s." : "It means %s.", s->definition);
        break;
    default:
        if (s->pos == RGTG_POS_VERB) snprintf(out, SENTENCE_MAX, "To %s is to %s.", word, s->definition);
        else if (s->pos == RGTG_POS_NOUN) snprintf(out, SENTENCE_MAX, "It refers to %s.", s->definition);
        else snprintf(out, SENTENCE_MAX, "In short: %s.", s->definition);
    }
}

/* The synset's other words (at most 2), "a" or "a and b"; 0 when there are none. */
static int synonym_list(char *out, size_t cap, const rgtg_wordnet_synset_t *s, const char *word) {
    const char *syn[2];
    int n = 0;
    for (int i = 0; i < s->word_count && n < 2; i++)
        if (strcasecmp(s->words[i], word) != 0) syn[n++] = s->words[i];
    if (n == 0) return 0;
    if (n == 1) snprintf(out, cap, "%s", syn[0]);
    else snprintf(out, cap, "%s and %s", syn[0], syn[1]);
    return n;
}

/* A related synset (hypernym; similar-to head for adjectives; pertainym for adverbs), or NULL. */
static const rgtg_wordnet_synset_t *related_synset(const rgtg_wordnet_t *db, const rgtg_wordnet_synset_t *s,
                                                   rgtg_rng_t *rng) {
    int64_t found[4];
    int n = 0;
    for (int p = 0; p < s->pointer_count && n < 4; p++) {
        const char *sym = s->pointers[p].symbol;
        int related = s->pos == RGTG_POS_ADJ ? !strcmp(sym, "&")
                      : s->pos == RGTG_POS_ADV ? !strcmp(sym, "\\")
                                               : !strcmp(sym, "@") || !strcmp(sym, "@i");
        if (related && s->pointers[p].target >= 0) found[n++] = s->pointers[p].target;
    }
    return n ? rgtg_wordnet_synset(db, (size_t)found[rgtg_rng_below(rng, (uint64_t)n)]) : NULL;
}

static const rgtg_wordnet_synset_t *antonym_synset(const rgtg_wordnet_t *db, const rgtg_wordnet_synset_t *s) {
    for (int p = 0; p < s->pointer_count; p++)
        if (!strcmp(s->pointers[p].symbol, "!") && s->pointers[p].target >= 0)
            return rgtg_wordnet_synset(db, (size_t)s->pointers[p].target);
    return NULL;
}

/* How often a good paragraph has each sentence that WordNet can give (tuned for a median of about 30
 * tokens under the demo's tokenizer). */
#define INCLUDE_SYNONYMS 0.6
#define INCLUDE_RELATED 0.8
#define INCLUDE_EXAMPLE 0.6
#define INCLUDE_ANTONYM 0.4

/* The good paragraph about synset s for word: its definition (first, mostly) and some of the other
 * sentences, in a random order and wording. */
static void good_paragraph(const rgtg_wordnet_t *db, const rgtg_wordnet_synset_t *s, const char *word,
                           rgtg_rng_t *rng, paragraph_t *par) {
    memset(par, 0, sizeof *par);
    par->definition = -1;
    char extra[4][SENTENCE_MAX];
    int n_extra = 0;
    char list[SENTENCE_MAX];
    int synonyms = synonym_list(list, sizeof list, s, word);
    if (synonyms > 0 && rgtg_rng_uniform(rng) < INCLUDE_SYNONYMS) {
        static const char *const many[] = {"Synonyms include %s.", "Other words for it are %s.",
                                           "It is also called %s."};
        static const char *const one[] = {"A synonym is %s.", "Another word for it is %s.", "It is also called %s."};
        const char *fmt = synonyms > 1 ? pick(rng, many, 3) : pick(rng, one, 3);
        if (s->pos == RGTG_POS_VERB && strstr(fmt, "called")) fmt = synonyms > 1 ? many[0] : one[0];
        snprintf(extra[n_extra++], SENTENCE_MAX, fmt, list);
    }
    const rgtg_wordnet_synset_t *rel = related_synset(db, s, rng);
    if (rel && rgtg_rng_uniform(rng) < INCLUDE_RELATED) {
        static const char *const noun[] = {"It is a kind of %s.", "It is a type of %s.", "It is one sort of %s."};
        static const char *const verb[] = {"It is a way to %s.", "It is one way to %s.", "It is a kind of %s."};
        static const char *const adj[] = {"It is similar to %s.", "It is much like %s.", "Its meaning is close to %s."};
        static const char *const adv[] = {"It relates to %s.", "It is related to %s.", "It comes from %s."};
        const char *const *frames = s->pos == RGTG_POS_NOUN ? noun : s->pos == RGTG_POS_VERB ? verb
                                  : s->pos == RGTG_POS_ADJ ? adj : adv;
        snprintf(extra[n_extra++], SENTENCE_MAX, pick(rng, frames, 3), rel->words[0]);
    }
    if (s->example_count > 0 && rgtg_rng_uniform(rng) < INCLUDE_EXAMPLE) {
        static const char *const frames[] = {"For example: \"%s\".", "As in \"%s\".", "An example is \"%s\"."};
        const char *ex = s->examples[rgtg_rng_below(rng, (uint64_t)s->example_count)];
        snprintf(extra[n_extra++], SENTENCE_MAX, pick(rng, frames, 3), ex);
    }
    const rgtg_wordnet_synset_t *ant = antonym_synset(db, s);
    if (ant && rgtg_rng_uniform(rng) < INCLUDE_ANTONYM)
        snprintf(extra[n_extra++], SENTENCE_MAX, rgtg_rng_below(rng, 2) ? "Its opposite is %s." : "The opposite is %s.",
                 ant->words[0]);
    /* shuffle the extras; the definition goes first 85% of the time, else second */
    for (int i = n_extra - 1; i > 0; i--) {
        int j = (int)rgtg_rng_below(rng, (uint64_t)i + 1);
        char tmp[SENTENCE_MAX];
        memcpy(tmp, extra[i], SENTENCE_MAX);
        memcpy(extra[i], extra[j], SENTENCE_MAX);
        memcpy(extra[j], tmp, SENTENCE_MAX);
    }
    int def_at = s->definition[0] ? (n_extra > 0 && rgtg_rng_uniform(rng) >= 0.85 ? 1 : 0) : -1;
    for (int i = 0, e = 0; e < n_extra || (def_at >= 0 && par->definition < 0); i++) {
        if (i == def_at) {
            definition_sentence(par->text[par->count], s, word, rng);
            par->definition = par->count++;
        } else {
            memcpy(par->text[par->count++], extra[e++], SENTENCE_MAX);
        }
    }
}

/* Appends a sentence, after a space unless it is the first. */
static void append_sentence(text_t *t, const char *sentence) { text_printf(t, "%s%s", t->len ? " " : "", sentence); }

static void append_paragraph(text_t *t, const paragraph_t *par) {
    for (int i = 0; i < par->count; i++) append_sentence(t, par->text[i]);
}

/* A synset of pos with a definition of at most max_chars that does not hold word, or -1. */
static int64_t random_other_synset(const rgtg_wordnet_t *db, rgtg_pos_t pos, const char *word, size_t max_chars,
                                   rgtg_rng_t *rng) {
    size_t n = rgtg_wordnet_synset_count(db);
    for (int tries = 0; tries < 4096 && n > 0; tries++) {
        int64_t i = (int64_t)rgtg_rng_below(rng, n);
        const rgtg_wordnet_synset_t *s = rgtg_wordnet_synset(db, (size_t)i);
        size_t len = strlen(s->definition);
        if (s->pos != pos || len == 0 || len > max_chars) continue;
        int has = 0;
        for (int w = 0; w < s->word_count && !has; w++) has = !strcasecmp(s->words[w], word);
        if (!has) return i;
    }
    return -1;
}

/* Another sense of the lemma (among the next six, with a definition), or -1. */
static int64_t other_sense(const rgtg_wordnet_t *db, const rgtg_wordnet_lemma_t *l, int64_t synset, rgtg_rng_t *rng) {
    int64_t found[6];
    int n = 0;
    for (int s = 0; s < l->sense_count && n < 6; s++)
        if (l->senses[s] != synset && rgtg_wordnet_synset(db, (size_t)l->senses[s])->definition[0])
            found[n++] = l->senses[s];
    return n ? found[rgtg_rng_below(rng, (uint64_t)n)] : -1;
}

static const char *const fillers[] = {
    "This word is common in everyday language.", "Many people use it often.", "It is useful to know.",
    "You may hear it in many situations.", "It appears in books and conversations.",
    "Knowing it helps you understand others.", "It is a good word to remember.", "People say it all the time.",
};

rgtg_status_t rgtg_define_long_response(const rgtg_wordnet_t *db, int64_t lemma, int64_t synset,
                                        rgtg_define_long_variant_t variant, rgtg_rng_t *rng, char **out,
                                        int64_t *lead_synset, rgtg_define_long_variant_t *made) {
    *out = NULL;
    const rgtg_wordnet_lemma_t *l = rgtg_wordnet_lemma(db, (size_t)lemma);
    const rgtg_wordnet_synset_t *target = rgtg_wordnet_synset(db, (size_t)synset);
    if (!l || !target || (unsigned)variant >= RGTG_DEFINE_LONG_VARIANT_COUNT)
        return rgtg_error_set(RGTG_ERR_INVALID, "define-long: lemma, synset or variant out of range");
    const char *word = l->lemma;
    const size_t other_max_chars = 100;
    int64_t lead = synset;
    paragraph_t par;
    text_t t = {0};

    if (variant == RGTG_DEFINE_LONG_WRONG_SENSE) {
        lead = other_sense(db, l, synset, rng);
        if (lead < 0) variant = RGTG_DEFINE_LONG_OTHER_WORD; /* a word with one sense */
    }
    if (variant == RGTG_DEFINE_LONG_OTHER_WORD) {
        lead = random_other_synset(db, l->pos, word, other_max_chars, rng);
        if (lead < 0) { /* no other synset of this pos (small databases): cut instead */
            lead = synset;
            variant = RGTG_DEFINE_LONG_TRUNCATED;
        }
    }
    good_paragraph(db, rgtg_wordnet_synset(db, (size_t)lead), word, rng, &par);
    if (variant == RGTG_DEFINE_LONG_SPARSE && par.count > 1) {
        int keep = (int)rgtg_rng_below(rng, (uint64_t)par.count - 1);
        if (keep >= par.definition) keep++; /* any sentence but the definition */
        append_sentence(&t, par.text[keep]);
    } else {
        if (variant == RGTG_DEFINE_LONG_SPARSE) variant = RGTG_DEFINE_LONG_TRUNCATED;
        append_paragraph(&t, &par);
    }
    switch (variant) {
    case RGTG_DEFINE_LONG_LATE_INTRUSION: {
        int64_t other = other_sense(db, l, synset, rng);
        if (other < 0) other = random_other_synset(db, l->pos, word, other_max_chars, rng);
        char sentence[SENTENCE_MAX];
        if (other >= 0) {
            snprintf(sentence, sizeof sentence, "It can also mean %s%s.", l->pos == RGTG_POS_VERB ? "to " : "",
                     rgtg_wordnet_synset(db, (size_t)other)->definition);
            append_sentence(&t, sentence);
        }
        break;
    }
    case RGTG_DEFINE_LONG_TRUNCATED:
        if (!t.oom && t.text) {
            size_t words = 0, len = t.len;
            for (size_t i = 0; i < len; i++) words += t.text[i] == ' ';
            words++; /* sentences are joined by single spaces */
            size_t lo = (words * 2 + 4) / 5, hi = words * 85 / 100;
            if (lo < 1) lo = 1;
            if (hi < lo) hi = lo;
            size_t cut = lo + (size_t)rgtg_rng_below(rng, hi - lo + 1), seen = 0;
            for (size_t i = 0; i < len; i++)
                if (t.text[i] == ' ' && ++seen == cut) {
                    t.len = i;
                    break;
                }
            while (t.len > 1 && (strchr(" .!?\"'),;:", t.text[t.len - 1]))) t.len--;
            t.text[t.len] = '\0';
        }
        break;
    case RGTG_DEFINE_LONG_PADDED: {
        int n = 2 + (int)rgtg_rng_below(rng, 3);
        int64_t order[8] = {0, 1, 2, 3, 4, 5, 6, 7};
        rgtg_rng_shuffle(rng, order, 8);
        for (int i = 0; i < n; i++) append_sentence(&t, fillers[order[i]]);
        break;
    }
    case RGTG_DEFINE_LONG_REPEATED:
        if (par.definition >= 0) append_sentence(&t, par.text[par.definition]);
        else append_paragraph(&t, &par);
        break;
    default: break;
    }
    if (t.oom || !t.text) {
        free(t.text);
        return rgtg_error_set(RGTG_ERR_NOMEM, "define-long: out of memory");
    }
    *out = t.text;
    *lead_synset = lead;
    *made = variant;
    return RGTG_OK;
}

/* ---- pairs ---- */

void rgtg_define_long_pairs_free(rgtg_define_long_pairs_t *p) {
    if (!p) return;
    rgtg_wordnet_pairs_free(&p->pairs);
    free(p->chosen_variant);
    free(p->rejected_variant);
    free(p->chosen_gold);
    free(p->rejected_gold);
    p->chosen_variant = p->rejected_variant = NULL;
    p->chosen_gold = p->rejected_gold = NULL;
}

/* *text -> the template's response prefix + *text. */
static rgtg_status_t with_prefix(const rgtg_template_t *tmpl, char **text) {
    char *prefixed = NULL;
    rgtg_status_t st = rgtg_template_response(tmpl, *text, &prefixed);
    if (st == RGTG_OK) {
        free(*text);
        *text = prefixed;
    }
    return st;
}

static rgtg_define_long_variant_t draw_second_variant(const rgtg_define_long_params_t *p, rgtg_rng_t *rng) {
    if (rgtg_rng_uniform(rng) < p->second_good) return RGTG_DEFINE_LONG_GOOD;
    double total = 0;
    for (int v = 1; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++) total += p->variant_weight[v];
    double u = rgtg_rng_uniform(rng) * total;
    for (int v = 1; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++) {
        if (u < p->variant_weight[v]) return (rgtg_define_long_variant_t)v;
        u -= p->variant_weight[v];
    }
    return RGTG_DEFINE_LONG_VARIANT_COUNT - 1;
}

rgtg_status_t rgtg_define_long_make_pairs(const rgtg_wordnet_t *db, const rgtg_define_long_params_t *params,
                                          rgtg_define_long_pairs_t *out) {
    memset(out, 0, sizeof *out);
    rgtg_wordnet_pairs_t *pairs = &out->pairs;
    const rgtg_template_t *tmpl = rgtg_template_find(params->words.template_name);
    if (!tmpl) return rgtg_error_set(RGTG_ERR_INVALID, "define-long: unknown template \"%s\"",
                                     params->words.template_name ? params->words.template_name : "(null)");
    double weights = 0;
    for (int v = 1; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++) {
        if (!(params->variant_weight[v] >= 0))
            return rgtg_error_set(RGTG_ERR_INVALID, "define-long: variant weights must not be negative");
        weights += params->variant_weight[v];
    }
    if (!(params->second_good >= 0 && params->second_good <= 1) || (params->second_good < 1 && !(weights > 0)) ||
        !(params->bt_scale > 0) || params->pairs_per_word < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "define-long: second_good must be in [0, 1], bt_scale and "
                              "pairs_per_word positive, and some variant weight positive");
    pairs->template_name = tmpl->name;
    pairs->template_text = tmpl->text;
    for (int r = 0; r < RGTG_WORDNET_DROP_COUNT; r++)
        pairs->drop_reasons[r] = rgtg_wordnet_drop_name((rgtg_wordnet_drop_t)r);

    rgtg_gold_t *gold = NULL;
    rgtg_wordnet_choice_t *words = NULL;
    int64_t *order = NULL;
    size_t n = 0;
    const size_t per_word = (size_t)params->pairs_per_word;
    rgtg_wordnet_pair_params_t word_params = params->words;
    word_params.max_pairs = (params->words.max_pairs + per_word - 1) / per_word;
    rgtg_status_t st = rgtg_gold_create(db, &params->gold, &gold);
    if (st == RGTG_OK)
        st = rgtg_wordnet_choose_words(db, &word_params, RGTG_WORDNET_SENSE_FIRST, &words, &n, pairs->drop_counts,
                                       &pairs->lemmas_read);
    if (st != RGTG_OK) goto done;
    if (n > SIZE_MAX / per_word / 2) {
        st = rgtg_error_set(RGTG_ERR_INVALID, "define-long: too many pairs");
        goto done;
    }
    n *= per_word; /* slot i asks about word i % (word count); the shuffle spreads a word's pairs */
    if (n > params->words.max_pairs) n = params->words.max_pairs;
    const size_t word_count = n ? (n + per_word - 1) / per_word : 0;
    size_t slots = n ? n : 1;
    order = malloc(slots * sizeof *order);
    pairs->pairs = calloc(slots, sizeof *pairs->pairs);
    out->chosen_variant = calloc(slots, sizeof *out->chosen_variant);
    out->rejected_variant = calloc(slots, sizeof *out->rejected_variant);
    out->chosen_gold = calloc(slots, sizeof *out->chosen_gold);
    out->rejected_gold = calloc(slots, sizeof *out->rejected_gold);
    if (!order || !pairs->pairs || !out->chosen_variant || !out->rejected_variant || !out->chosen_gold ||
        !out->rejected_gold) {
        st = rgtg_error_set(RGTG_ERR_NOMEM, "define-long: out of memory");
        goto done;
    }
    rgtg_rng_t order_rng, text_rng, label_rng;
    rgtg_rng_seed(&order_rng, params->words.seed, 0);
    rgtg_rng_seed(&text_rng, params->words.seed, 2);
    rgtg_rng_seed(&label_rng, params->words.seed, 3);
    for (size_t i = 0; i < n; i++) order[i] = (int64_t)i;
    rgtg_rng_shuffle(&order_rng, order, (int64_t)n);

    for (size_t k = 0; k < n && st == RGTG_OK; k++) {
        const rgtg_wordnet_choice_t *c = &words[(size_t)order[k] % (word_count ? word_count : 1)];
        const rgtg_wordnet_lemma_t *l = rgtg_wordnet_lemma(db, (size_t)c->lemma);
        rgtg_define_long_variant_t va = RGTG_DEFINE_LONG_GOOD, vb = draw_second_variant(params, &text_rng);
        char *a = NULL, *b = NULL;
        int64_t lead_a = -1, lead_b = -1;
        double ga = 0, gb = 0;
        st = rgtg_define_long_response(db, c->lemma, c->synset, va, &text_rng, &a, &lead_a, &va);
        if (st == RGTG_OK) st = rgtg_define_long_response(db, c->lemma, c->synset, vb, &text_rng, &b, &lead_b, &vb);
        if (st == RGTG_OK && strcmp(a, b) == 0) { /* two identical paragraphs: pad the second */
            free(b);
            b = NULL;
            st = rgtg_define_long_response(db, c->lemma, c->synset, RGTG_DEFINE_LONG_PADDED, &text_rng, &b, &lead_b,
                                           &vb);
        }
        if (st == RGTG_OK) st = with_prefix(tmpl, &a);
        if (st == RGTG_OK) st = with_prefix(tmpl, &b);
        if (st == RGTG_OK) st = rgtg_gold_score_word(gold, l->lemma, l->pos, a, &ga, NULL);
        if (st == RGTG_OK) st = rgtg_gold_score_word(gold, l->lemma, l->pos, b, &gb, NULL);
        if (st != RGTG_OK) {
            free(a);
            free(b);
            break;
        }
        int a_chosen = rgtg_gold_bt_draw(&label_rng, ga, gb, params->bt_scale);
        rgtg_wordnet_pair_t *p = &pairs->pairs[pairs->count];
        const char *keys[] = {"word", "pos"};
        const char *values[] = {l->lemma, rgtg_pos_name(l->pos)};
        p->pos = l->pos;
        p->word = strdup(l->lemma);
        p->chosen_text = a_chosen ? a : b;
        p->rejected_text = a_chosen ? b : a;
        p->chosen_synset = a_chosen ? lead_a : lead_b;
        p->rejected_synset = a_chosen ? lead_b : lead_a;
        out->chosen_variant[pairs->count] = a_chosen ? va : vb;
        out->rejected_variant[pairs->count] = a_chosen ? vb : va;
        out->chosen_gold[pairs->count] = a_chosen ? ga : gb;
        out->rejected_gold[pairs->count] = a_chosen ? gb : ga;
        pairs->count++; /* counted before the last steps so that free releases a partial pair */
        if (!p->word) st = rgtg_error_set(RGTG_ERR_NOMEM, "define-long: out of memory");
        if (st == RGTG_OK) st = rgtg_template_render(tmpl, keys, values, 2, &p->prompt_text);
    }
done:
    free(order);
    free(words);
    rgtg_gold_free(gold);
    if (st != RGTG_OK) rgtg_define_long_pairs_free(out);
    return st;
}

const char *rgtg_define_long_options(const rgtg_define_long_params_t *p, char *buf, size_t cap) {
    char gold[512];
    int n = snprintf(buf, cap, "task=define-long max_definition_chars=%zu pairs_per_word=%d second_good=%g "
                     "variant_weight=", p->words.max_definition_chars, p->pairs_per_word, p->second_good);
    for (int v = 1; v < RGTG_DEFINE_LONG_VARIANT_COUNT && n > 0 && (size_t)n < cap; v++)
        n += snprintf(buf + n, cap - (size_t)n, "%s%g", v > 1 ? "," : "", p->variant_weight[v]);
    if (n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " bt_scale=%g %s", p->bt_scale,
                 rgtg_gold_params_string(&p->gold, gold, sizeof gold));
    return buf;
}

/* Appends to buf (snprintf-style, never past cap). */
static void report_printf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report_printf(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    if (*len + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0) *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

void rgtg_define_long_report(const rgtg_define_long_pairs_t *p, char *buf, size_t cap) {
    size_t len = 0;
    if (cap == 0) return;
    buf[0] = '\0';
    size_t n = p->pairs.count;
    double *values = malloc((2 * n + 1) * sizeof *values);
    if (!values) return;
    size_t agree = 0;
    for (size_t i = 0; i < n; i++) agree += p->chosen_gold[i] >= p->rejected_gold[i];
    rgtg_gold_summary_t chosen = rgtg_gold_summarize(p->chosen_gold, n),
                        rejected = rgtg_gold_summarize(p->rejected_gold, n);
    for (size_t i = 0; i < n; i++) values[i] = p->chosen_gold[i], values[n + i] = p->rejected_gold[i];
    rgtg_gold_summary_t all = rgtg_gold_summarize(values, 2 * n);
    report_printf(buf, cap, &len,
                  "gold reward: all %.3f +- %.3f (SD %.3f, n %zu); chosen %.3f (SD %.3f); rejected %.3f (SD %.3f); "
                  "label = higher gold in %.1f%% of pairs\n",
                  all.mean, all.se, all.sd, all.n, chosen.mean, chosen.sd, rejected.mean, rejected.sd,
                  n ? 100.0 * (double)agree / (double)n : 0.0);
    for (int v = 0; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (p->chosen_variant[i] == (rgtg_define_long_variant_t)v) values[k++] = p->chosen_gold[i];
            if (p->rejected_variant[i] == (rgtg_define_long_variant_t)v) values[k++] = p->rejected_gold[i];
        }
        rgtg_gold_summary_t s = rgtg_gold_summarize(values, k);
        if (k)
            report_printf(buf, cap, &len, "  %-15s n %5zu  gold %6.3f  SD %.3f  (%+.2f SD from all)\n",
                          variant_names[v], k, s.mean, s.sd, all.sd > 0 ? (s.mean - all.mean) / all.sd : 0.0);
    }
    free(values);
}
