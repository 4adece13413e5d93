/* tests/test_define_long.c: unit tests of data/define_long: each variant's text on a small WordNet
 * written here (definition, synonyms, related word, example; the cut, the padding, the repeat, the
 * intrusion, the other sense), the pairs (determinism, labels, stored gold rewards, prompts), bad
 * params, and on the real database when it is installed: every variant scores below good on average
 * under the gold reward, and a prefix of a late-degraded response cannot tell it from a good one. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/status.h"
#include "data/define_long.h"
#include "data/gold.h"
#include "data/wordnet.h"
#include "gold_fixture.h"

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static int ends_sentence(const char *s) {
    size_t n = strlen(s);
    while (n > 0 && strchr(" \"')", s[n - 1])) n--;
    return n > 0 && strchr(".!?", s[n - 1]);
}

static int count_of(const char *haystack, const char *needle) {
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static void test_variants(const rgtg_wordnet_t *db) {
    int64_t garage = rgtg_wordnet_find_lemma(db, "garage", RGTG_POS_NOUN);
    CHECK(garage >= 0 && rgtg_wordnet_find_lemma(db, "GARAGE", RGTG_POS_NOUN) == garage);
    CHECK(rgtg_wordnet_find_lemma(db, "garage", RGTG_POS_VERB) == -1);
    if (garage < 0) return;
    const rgtg_wordnet_lemma_t *l = rgtg_wordnet_lemma(db, (size_t)garage);
    int64_t target = l->senses[0], shop = l->senses[1];
    const char *def = "shelter for housing automobiles";
    const char *fillers[] = {"everyday language", "Many people", "useful to know", "many situations", "books and",
                             "understand others", "good word", "all the time"};
    for (int seed = 0; seed < 40; seed++) {
        rgtg_rng_t rng;
        rgtg_rng_seed(&rng, (uint64_t)seed, 9);
        for (int v = 0; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++) {
            char *text = NULL;
            int64_t lead = -2;
            rgtg_define_long_variant_t made = RGTG_DEFINE_LONG_VARIANT_COUNT;
            CHECK_OK(rgtg_define_long_response(db, garage, target, (rgtg_define_long_variant_t)v, &rng, &text, &lead,
                                               &made));
            if (!text) continue;
            const char *name = rgtg_define_long_variant_name(made);
            CHECK_MSG(text[0] != ' ' && text[0] != '\0', "%s: \"%s\"", name, text);
            int fillers_seen = 0;
            for (int f = 0; f < 8; f++) fillers_seen += strstr(text, fillers[f]) != NULL;
            switch (made) {
            case RGTG_DEFINE_LONG_GOOD:
                CHECK_MSG(count_of(text, def) == 1 && ends_sentence(text) && lead == target && !strstr(text, "shop"),
                          "good: \"%s\"", text);
                break;
            case RGTG_DEFINE_LONG_WRONG_SENSE:
                CHECK_MSG(lead == shop && strstr(text, "shop where cars and trucks") && !strstr(text, def),
                          "wrong sense: \"%s\"", text);
                break;
            case RGTG_DEFINE_LONG_OTHER_WORD: { /* asked for: garage has two senses, so never a fallback */
                const rgtg_wordnet_synset_t *other = rgtg_wordnet_synset(db, (size_t)lead);
                CHECK_MSG(v == RGTG_DEFINE_LONG_OTHER_WORD && other && other->pos == RGTG_POS_NOUN && lead != target &&
                              lead != shop && !strstr(text, def) && strstr(text, other->definition + 2),
                          "other word: \"%s\"", text);
                break;
            }
            case RGTG_DEFINE_LONG_LATE_INTRUSION: {
                const char *tail = "It can also mean a shop where cars and trucks are serviced and repaired.";
                size_t n = strlen(text), k = strlen(tail);
                CHECK_MSG(n > k && !strcmp(text + n - k, tail) && count_of(text, def) == 1, "late: \"%s\"", text);
                break;
            }
            case RGTG_DEFINE_LONG_TRUNCATED: CHECK_MSG(!ends_sentence(text), "truncated: \"%s\"", text); break;
            case RGTG_DEFINE_LONG_PADDED:
                CHECK_MSG(fillers_seen >= 2 && fillers_seen <= 4 && count_of(text, def) == 1 && ends_sentence(text),
                          "padded: \"%s\"", text);
                break;
            case RGTG_DEFINE_LONG_REPEATED: CHECK_MSG(count_of(text, def) == 2, "repeated: \"%s\"", text); break;
            case RGTG_DEFINE_LONG_SPARSE:
                CHECK_MSG(!strstr(text, def) && ends_sentence(text) && !strchr(strchr(text, '.') + 1, '.'),
                          "sparse: \"%s\"", text);
                break;
            default: CHECK(0);
            }
            CHECK(made == (rgtg_define_long_variant_t)v ||
                  (v == RGTG_DEFINE_LONG_SPARSE && made == RGTG_DEFINE_LONG_TRUNCATED));
            free(text);
        }
    }
    /* a word with one sense: wrong_sense falls back to another word's paragraph */
    int64_t run = rgtg_wordnet_find_lemma(db, "run", RGTG_POS_VERB);
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, 1, 9);
    char *text = NULL;
    int64_t lead;
    rgtg_define_long_variant_t made;
    CHECK_OK(rgtg_define_long_response(db, run, rgtg_wordnet_lemma(db, (size_t)run)->senses[0],
                                       RGTG_DEFINE_LONG_WRONG_SENSE, &rng, &text, &lead, &made));
    CHECK(made == RGTG_DEFINE_LONG_OTHER_WORD && text && strstr(text, "change location"));
    free(text);
    /* an adverb with no other adverb synset: other_word falls back to a cut */
    int64_t quickly = rgtg_wordnet_find_lemma(db, "quickly", RGTG_POS_ADV);
    CHECK_OK(rgtg_define_long_response(db, quickly, rgtg_wordnet_lemma(db, (size_t)quickly)->senses[0],
                                       RGTG_DEFINE_LONG_OTHER_WORD, &rng, &text, &lead, &made));
    CHECK(made == RGTG_DEFINE_LONG_TRUNCATED && text && !ends_sentence(text));
    free(text);
    CHECK(rgtg_define_long_response(db, garage, target, RGTG_DEFINE_LONG_VARIANT_COUNT, &rng, &text, &lead, &made) ==
          RGTG_ERR_INVALID);
    rgtg_error_clear();
}

static void test_pairs(const rgtg_wordnet_t *db) {
    rgtg_define_long_params_t params = rgtg_define_long_default_params();
    params.words.seed = 4;
    rgtg_define_long_pairs_t a, b;
    CHECK_OK(rgtg_define_long_make_pairs(db, &params, &a));
    CHECK_OK(rgtg_define_long_make_pairs(db, &params, &b));
    /* garage (tagged), move, run, big, small, huge, quick, quickly: the other nouns are untagged */
    CHECK_MSG(a.pairs.count == 8, "%zu pairs", a.pairs.count);
    CHECK(a.pairs.drop_counts[RGTG_WORDNET_DROP_RARE] == 3 && !strcmp(a.pairs.template_name, "define"));
    rgtg_gold_t *gold = NULL;
    CHECK_OK(rgtg_gold_create(db, &params.gold, &gold));
    for (size_t i = 0; gold && i < a.pairs.count && i < b.pairs.count; i++) {
        const rgtg_wordnet_pair_t *p = &a.pairs.pairs[i];
        CHECK(!strcmp(p->chosen_text, b.pairs.pairs[i].chosen_text) &&
              !strcmp(p->rejected_text, b.pairs.pairs[i].rejected_text));
        CHECK(p->chosen_text[0] == ' ' && p->rejected_text[0] == ' ' && strcmp(p->chosen_text, p->rejected_text));
        char prompt[128];
        snprintf(prompt, sizeof prompt, "Define the word \"%s\" (%s).\nDefinition:", p->word, rgtg_pos_name(p->pos));
        CHECK(!strcmp(p->prompt_text, prompt));
        double gc, gr;
        CHECK_OK(rgtg_gold_score(gold, p->prompt_text, p->chosen_text, &gc, NULL));
        CHECK_OK(rgtg_gold_score(gold, p->prompt_text, p->rejected_text, &gr, NULL));
        CHECK(gc == a.chosen_gold[i] && gr == a.rejected_gold[i]);
        CHECK(a.chosen_variant[i] == RGTG_DEFINE_LONG_GOOD || a.rejected_variant[i] == RGTG_DEFINE_LONG_GOOD);
    }
    rgtg_gold_free(gold);
    char options[1024];
    rgtg_define_long_options(&params, options, sizeof options);
    CHECK(strstr(options, "task=define-long max_definition_chars=80 pairs_per_word=1 second_good=0.3") &&
          strstr(options, " gold=v1 "));
    rgtg_define_long_pairs_free(&b);

    /* Three pairs per word: 7 pairs ask about ceil(7 / 3) = 3 words (3, 2 and 2 pairs), each pair with
     * its own paragraphs, and a word's pairs are spread through the order (so through the splits). */
    params.pairs_per_word = 3;
    params.words.max_pairs = 7;
    CHECK_OK(rgtg_define_long_make_pairs(db, &params, &b));
    CHECK_MSG(b.pairs.count == 7, "%zu pairs", b.pairs.count);
    size_t distinct = 0, last_of_first = 0, first_of_first = b.pairs.count;
    for (size_t i = 0; i < b.pairs.count; i++) {
        size_t same = 0, earlier = 0;
        for (size_t j = 0; j < b.pairs.count; j++)
            if (!strcmp(b.pairs.pairs[i].word, b.pairs.pairs[j].word)) {
                same++;
                earlier += j < i;
                if (j != i) CHECK(strcmp(b.pairs.pairs[i].chosen_text, b.pairs.pairs[j].chosen_text) ||
                                  strcmp(b.pairs.pairs[i].rejected_text, b.pairs.pairs[j].rejected_text));
            }
        CHECK_MSG(same == 2 || same == 3, "%s: %zu pairs", b.pairs.pairs[i].word, same);
        distinct += earlier == 0;
        if (!strcmp(b.pairs.pairs[i].word, b.pairs.pairs[0].word)) {
            if (i < first_of_first) first_of_first = i;
            last_of_first = i;
        }
    }
    CHECK_MSG(distinct == 3, "%zu words", distinct);
    CHECK(last_of_first > first_of_first + 1 || b.pairs.count < 3); /* not all in one run */
    rgtg_define_long_options(&params, options, sizeof options);
    CHECK(strstr(options, " pairs_per_word=3 "));
    rgtg_define_long_pairs_free(&b);
    rgtg_define_long_pairs_free(&a);
    params.pairs_per_word = 0;
    CHECK(rgtg_define_long_make_pairs(db, &params, &a) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    params = rgtg_define_long_default_params();

    params.second_good = 1.5;
    CHECK(rgtg_define_long_make_pairs(db, &params, &a) == RGTG_ERR_INVALID && a.pairs.count == 0);
    rgtg_error_clear();
    params = rgtg_define_long_default_params();
    params.words.template_name = "nope";
    CHECK(rgtg_define_long_make_pairs(db, &params, &a) == RGTG_ERR_INVALID);
    rgtg_error_clear();
}

/* On the real database: the gold reward ranks good above every degraded variant on average, the labels
 * follow the gold reward, and late degradations hide from prefixes. */
static void test_real_database(void) {
    if (access("/usr/share/wordnet/data.noun", R_OK) != 0) {
        printf("skipped: /usr/share/wordnet/data.noun is not installed (Debian package wordnet-base)\n");
        return;
    }
    rgtg_wordnet_t *db = NULL;
    CHECK_OK(rgtg_wordnet_load("/usr/share/wordnet", &db));
    if (!db) return;
    rgtg_define_long_params_t params = rgtg_define_long_default_params();
    params.words.max_pairs = 1500;
    rgtg_define_long_pairs_t pairs;
    CHECK_OK(rgtg_define_long_make_pairs(db, &params, &pairs));
    CHECK(pairs.pairs.count == 1500);
    double sum[RGTG_DEFINE_LONG_VARIANT_COUNT] = {0};
    int n[RGTG_DEFINE_LONG_VARIANT_COUNT] = {0}, higher = 0;
    for (size_t i = 0; i < pairs.pairs.count; i++) {
        sum[pairs.chosen_variant[i]] += pairs.chosen_gold[i], n[pairs.chosen_variant[i]]++;
        sum[pairs.rejected_variant[i]] += pairs.rejected_gold[i], n[pairs.rejected_variant[i]]++;
        higher += pairs.chosen_gold[i] >= pairs.rejected_gold[i];
    }
    double good = sum[0] / n[0];
    CHECK_MSG(good > 2.0, "good responses score %.3f on average", good);
    for (int v = 1; v < RGTG_DEFINE_LONG_VARIANT_COUNT; v++)
        CHECK_MSG(n[v] > 20 && sum[v] / n[v] < good - 0.3, "%s: n %d, mean %.3f against good %.3f",
                  rgtg_define_long_variant_name((rgtg_define_long_variant_t)v), n[v], n[v] ? sum[v] / n[v] : 0, good);
    CHECK_MSG(higher > 0.7 * (double)pairs.pairs.count && higher < 0.95 * (double)pairs.pairs.count,
              "the label follows the higher gold reward in %d of %zu pairs", higher, pairs.pairs.count);
    printf("real WordNet: %zu define-long pairs; good %.3f; chosen = higher gold in %.1f%%\n", pairs.pairs.count, good,
           100.0 * higher / (double)pairs.pairs.count);
    char report[2048];
    rgtg_define_long_report(&pairs, report, sizeof report);
    fputs(report, stdout);
    CHECK(strstr(report, "gold reward: all ") == report && strstr(report, "\n  wrong_sense ") &&
          strstr(report, "\n  sparse "));

    /* a late intrusion: the response before it scores as high as a good one; the whole scores lower */
    rgtg_gold_t *gold = NULL;
    CHECK_OK(rgtg_gold_create(db, &params.gold, &gold));
    int hidden = 0, total = 0;
    for (size_t i = 0; gold && i < pairs.pairs.count; i++) {
        int chosen_late = pairs.chosen_variant[i] == RGTG_DEFINE_LONG_LATE_INTRUSION;
        if (!chosen_late && pairs.rejected_variant[i] != RGTG_DEFINE_LONG_LATE_INTRUSION) continue;
        const rgtg_wordnet_pair_t *p = &pairs.pairs.pairs[i];
        const char *text = chosen_late ? p->chosen_text : p->rejected_text;
        const char *cut = strstr(text, " It can also mean ");
        if (!cut) continue;
        char *prefix = strndup(text, (size_t)(cut - text));
        double whole = chosen_late ? pairs.chosen_gold[i] : pairs.rejected_gold[i], before;
        CHECK_OK(rgtg_gold_score(gold, p->prompt_text, prefix, &before, NULL));
        hidden += before > whole + 0.2;
        total++;
        free(prefix);
    }
    CHECK_MSG(total > 20 && hidden > 0.8 * total, "late intrusions lowered the score in %d of %d", hidden, total);
    rgtg_gold_free(gold);
    rgtg_define_long_pairs_free(&pairs);
    rgtg_wordnet_free(db);
}

int main(void) {
    char dir[] = "/tmp/rgtg_test_define_long_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    write_gold_fixture(dir);
    rgtg_wordnet_t *db = NULL;
    CHECK_OK(rgtg_wordnet_load(dir, &db));
    if (db) {
        test_variants(db);
        test_pairs(db);
    }
    rgtg_wordnet_free(db);
    check_remove_dir(dir);
    test_real_database();
    return check_summary("test_define_long");
}
