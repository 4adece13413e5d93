/* tests/test_bleu.c: eval/bleu and eval/tok13a.
 * Published values (facts from sacreBLEU's test suite and README, and the Hugging Face sacrebleu
 * metric card): corpus BLEU with the default settings, with n-gram orders 1 to 6, with a variable
 * number of references, empty hypotheses, a corpus without matches, the statistics of one segment,
 * the score from given statistics, and sentence BLEU; all within 0.01 (most far closer). The 13a
 * tokenizer on its published example, hand-derived cases of each rule, and parity with a second
 * implementation (tests/reference/bleu_ref.py, Python's re) on 400 random strings; corpus statistics
 * and scores against the same reference on random corpora; bad arguments.
 * Usage: test_bleu PYTHON tests/reference/bleu_ref.py */
#include "../eval/bleu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../eval/tok13a.h"
#include "check.h"
#include "reference_run.h"

/* sacreBLEU's README example: three hypotheses, two reference streams (here segment-major). */
static const char *const readme_hypotheses[] = {"The dog bit the man.", "It wasn't surprising.",
                                                "The man had just bitten him."};
static const char *const readme_references[] = {
    "The dog bit the man.",   "The dog had bit the man.",
    "It was not unexpected.", "No one was surprised.",
    "The man bit him first.", "The man had bitten the dog.",
};

static void check_score(const char *name, const rgtg_bleu_t *bleu, double expected, double tolerance) {
    CHECK_MSG(fabs(bleu->score - expected) <= tolerance, "%s: BLEU %.10f, published %.10f", name, bleu->score,
              expected);
}

static void test_published_corpus_values(void) {
    rgtg_bleu_params_t params = rgtg_bleu_default_params();
    CHECK(params.max_ngram_order == 4 && !params.effective_order);
    rgtg_bleu_t bleu;

    /* test_bleu.py test_corpus_bleu: default settings 48.530827 (README: "BLEU = 48.53 82.4/50.0/45.5/37.5
     * (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)") */
    CHECK_OK(rgtg_bleu_corpus(readme_hypotheses, 3, readme_references, 2, &params, &bleu));
    check_score("README corpus", &bleu, 48.530827, 1e-6);
    char line[128];
    snprintf(line, sizeof line, "%.1f/%.1f/%.1f/%.1f BP %.3f ratio %.3f %zu %zu", bleu.precisions[0],
             bleu.precisions[1], bleu.precisions[2], bleu.precisions[3], bleu.brevity_penalty,
             (double)bleu.sys_len / (double)bleu.ref_len, bleu.sys_len, bleu.ref_len);
    CHECK_MSG(strcmp(line, "82.4/50.0/45.5/37.5 BP 0.943 ratio 0.944 17 18") == 0, "README verbose line: %s", line);

    /* test_bleu.py test_max_ngram_order: orders 1..6 */
    static const char *const by_order[] = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
    for (int order = 1; order <= 6; order++) {
        rgtg_bleu_params_t p = params;
        p.max_ngram_order = order;
        CHECK_OK(rgtg_bleu_corpus(readme_hypotheses, 3, readme_references, 2, &p, &bleu));
        char text[32];
        snprintf(text, sizeof text, "%.2f", bleu.score);
        CHECK_MSG(strcmp(text, by_order[order - 1]) == 0, "max order %d: %s, published %s", order, text,
                  by_order[order - 1]);
    }

    /* README "Variable Number of References": the first reference of the first segment removed (as ""
     * and as NULL): "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)" */
    for (int variant = 0; variant < 2; variant++) {
        const char *references[6];
        memcpy(references, readme_references, sizeof references);
        references[0] = variant == 0 ? "" : NULL;
        CHECK_OK(rgtg_bleu_corpus(readme_hypotheses, 3, references, 2, &params, &bleu));
        snprintf(line, sizeof line, "%.2f %.1f/%.1f/%.1f/%.1f BP %.3f %zu %zu", bleu.score, bleu.precisions[0],
                 bleu.precisions[1], bleu.precisions[2], bleu.precisions[3], bleu.brevity_penalty, bleu.sys_len,
                 bleu.ref_len);
        CHECK_MSG(strcmp(line, "29.44 82.4/42.9/27.3/12.5 BP 0.889 17 19") == 0, "variable references: %s", line);
    }

    /* test_bleu.py: empty hypotheses are kept and score 0 */
    const char *const empty[] = {"", "", ""};
    CHECK_OK(rgtg_bleu_corpus(empty, 3, readme_references, 2, &params, &bleu));
    /* ref_len: the shortest reference of each segment, 6 + 5 + 6 */
    CHECK_MSG(bleu.score == 0.0 && bleu.sys_len == 0 && bleu.ref_len == 17 && bleu.brevity_penalty == 0.0,
              "empty hypotheses: %g (sys %zu ref %zu)", bleu.score, bleu.sys_len, bleu.ref_len);

    /* test_bleu.py test_raw_bleu: no match at all scores 0 (sacreBLEU #141); identical text 1.0 (100) */
    const char *const no_match[] = {"this is a test", "another test"}, *const refs_no_match[] = {"ref1", "ref2"};
    CHECK_OK(rgtg_bleu_corpus(no_match, 2, refs_no_match, 1, &params, &bleu));
    CHECK_MSG(bleu.score == 0.0, "no match: %g", bleu.score);
    const char *const same[] = {"this is a test"};
    CHECK_OK(rgtg_bleu_corpus(same, 1, same, 1, &params, &bleu));
    check_score("identical", &bleu, 100.0, 1e-9);

    /* test_bleu.py test_statistics: counts [4, 2, 1, 0], totals [6, 5, 4, 3] */
    const char *const statistics_hypothesis[] = {"am I am a character sequence"};
    const char *const statistics_reference[] = {"I am a symbol string sequence a a"};
    CHECK_OK(rgtg_bleu_corpus(statistics_hypothesis, 1, statistics_reference, 1, &params, &bleu));
    CHECK_MSG(bleu.counts[0] == 4 && bleu.counts[1] == 2 && bleu.counts[2] == 1 && bleu.counts[3] == 0 &&
                  bleu.totals[0] == 6 && bleu.totals[1] == 5 && bleu.totals[2] == 4 && bleu.totals[3] == 3,
              "statistics: %zu %zu %zu %zu / %zu %zu %zu %zu", bleu.counts[0], bleu.counts[1], bleu.counts[2],
              bleu.counts[3], bleu.totals[0], bleu.totals[1], bleu.totals[2], bleu.totals[3]);

    /* test_bleu.py test_scoring: counts [9, 7, 5, 3], totals [10, 8, 6, 4], lengths 11 and 11 -> 0.8375922397 */
    const size_t counts[] = {9, 7, 5, 3}, totals[] = {10, 8, 6, 4};
    CHECK_OK(rgtg_bleu_from_stats(counts, totals, 11, 11, &params, &bleu));
    check_score("from statistics", &bleu, 83.75922397, 1e-7);

    /* the Hugging Face sacrebleu metric card: two segments, two references each, score 100.0 */
    const char *const card_hypotheses[] = {"hello there general kenobi", "foo bar foobar"};
    const char *const card_references[] = {"hello there general kenobi", "hello there !", "foo bar foobar",
                                           "foo bar foobar"};
    CHECK_OK(rgtg_bleu_corpus(card_hypotheses, 2, card_references, 2, &params, &bleu));
    check_score("metric card", &bleu, 100.0, 1e-9);
}

static void test_published_sentence_values(void) {
    /* test_sentence_bleu.py (sacreBLEU #98): exp smoothing, 13a, effective order -> 8.493 */
    const char *reference = "produc\xc5\xa3ia de zah\xc4\x83r brut se exprim\xc4\x83 \xc3\xaen zah\xc4\x83r alb;";
    const char *system = "Produc\xc8\x9bia de zah\xc4\x83r prim\xc4\x83 va fi exprimat\xc4\x83 \xc3\xaen ceea ce "
                         "prive\xc8\x99te zah\xc4\x83rul alb;";
    rgtg_bleu_t bleu;
    CHECK_OK(rgtg_bleu_sentence(system, &reference, 1, &bleu));
    check_score("sentence #98", &bleu, 8.493, 1e-3);
    /* test_sentence_bleu.py (#141): no match -> 0.0 */
    const char *no_match_reference = "okay thanks";
    CHECK_OK(rgtg_bleu_sentence("this is a cat", &no_match_reference, 1, &bleu));
    CHECK_MSG(bleu.score == 0.0, "sentence #141: %g", bleu.score);
}

static void check_tokens(const char *text, const char *expected) {
    char *tokens = NULL;
    CHECK_OK(rgtg_tokenize_13a(text, &tokens, NULL));
    CHECK_MSG(tokens && strcmp(tokens, expected) == 0, "13a('%s') = '%s', expected '%s'", text, tokens ? tokens : "",
              expected);
    free(tokens);
}

static void test_tokenizer_known_cases(void) {
    check_tokens("I'm a student.", "I'm a student ."); /* a published sacreBLEU 13a example */
    /* one rule each, derived by hand from the 13a definition */
    check_tokens("Hello, world!", "Hello , world !");
    check_tokens("3.14 and 1,000 but end.", "3.14 and 1,000 but end .");
    check_tokens("x.5 5.x", "x . 5 5 . x");
    check_tokens("1990-1995 well-known -5", "1990 - 1995 well-known -5");
    check_tokens("&quot;hi&quot; &amp; &lt;b&gt;", "\" hi \" & < b >");
    check_tokens("&amp;lt;", "<"); /* the passes run in order: &amp; first makes &lt; */
    check_tokens("a<skipped>b", "ab");
    check_tokens("hyph-\nenated\nline", "hyphenated line");
    check_tokens("end-\n", "end-"); /* trailing whitespace goes first, so "-\n" is not there to remove */
    check_tokens("(a)[b]{c}/d\\e|f~g^h_i`j@k#l$m%n*o+p=q:r;s?t",
                 "( a ) [ b ] { c } / d \\ e | f ~ g ^ h _ i ` j @ k # l $ m % n * o + p = q : r ; s ? t");
    check_tokens("  spaced\t\tout  \n", "spaced out");
    check_tokens("non\xc2\xa0" "breaking\xe2\x80\x89thin\xe3\x80\x80ideographic", "non breaking thin ideographic");
    check_tokens("caf\xc3\xa9, na\xc3\xafve.", "caf\xc3\xa9 , na\xc3\xafve .");
    check_tokens("", "");
    check_tokens(" \t\n", "");
}

/* Random text from pieces that exercise every rule of the tokenizer. */
static char *random_text(rgtg_rng_t *rng) {
    static const char *const pieces[] = {
        "word", "Dog", "x", "42", "3.5", "1,000", "-", "--", ".", ",", "..", ",,", "'", "\"", "!", "?", "(", ")",
        "[", "]", "{", "}", "/", "\\", "|", "~", "^", "_", "`", "@", "#", "$", "%", "*", "+", "=", ":", ";", "<",
        ">", "&", "&amp;", "&quot;", "&lt;", "&gt;", "&amp;lt;", "<skipped>", "-\n", "\n", " ", " ", " ", "\t",
        "\r", "\x0b", "\x1c", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xc2\xa0", "\xe2\x80\x89", "\xe3\x80\x80",
        "\xc2\x85", "\xe2\x80\x94", "9-", "a.b", "5.", ".5", "U.S.", "e.g.,", "it's", "-3", "2-3",
    };
    size_t count = rgtg_rng_below(rng, 25);
    size_t capacity = 16 * count + 1, length = 0;
    char *text = malloc(capacity);
    text[0] = '\0';
    for (size_t i = 0; i < count; i++)
        length += (size_t)snprintf(text + length, capacity - length, "%s",
                                   pieces[rgtg_rng_below(rng, sizeof pieces / sizeof *pieces)]);
    return text;
}

typedef struct {
    size_t n, reference_count;
    int max_order;
    bool effective_order;
    char **hypotheses, **references;
} random_corpus_t;

static char *random_sentence(rgtg_rng_t *rng, size_t max_words) {
    static const char *const words[] = {"the", "The", "cat", "dog", "sat", "on", "mat", "a", "ran", "quickly", ".",
                                        ",", "!", "it's", "3.5", "well-known", "(", ")", "\"", "man"};
    size_t count = rgtg_rng_below(rng, max_words + 1), capacity = 16 * count + 8, length = 0;
    char *text = malloc(capacity);
    text[0] = '\0';
    for (size_t i = 0; i < count; i++)
        length += (size_t)snprintf(text + length, capacity - length, i ? " %s" : "%s",
                                   words[rgtg_rng_below(rng, sizeof words / sizeof *words)]);
    return text;
}

static void test_against_reference(const char *python, const char *script) {
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, 2024, 13);
    enum { TEXTS = 400, CORPORA = 8 };
    char *texts[TEXTS];
    json_t *tokenize = json_array();
    for (size_t i = 0; i < TEXTS; i++) {
        texts[i] = random_text(&rng);
        json_array_append_new(tokenize, json_string(texts[i]));
    }
    random_corpus_t corpora[CORPORA];
    json_t *bleu_cases = json_array();
    for (size_t c = 0; c < CORPORA; c++) {
        random_corpus_t *corpus = &corpora[c];
        corpus->n = 5 + 10 * c;
        corpus->reference_count = 1 + c % 3;
        corpus->max_order = (int)(1 + c % 5);
        corpus->effective_order = c % 2 == 1;
        corpus->hypotheses = malloc(corpus->n * sizeof(char *));
        corpus->references = malloc(corpus->n * corpus->reference_count * sizeof(char *));
        json_t *hypotheses = json_array(), *references = json_array();
        for (size_t i = 0; i < corpus->n; i++) {
            corpus->hypotheses[i] = random_sentence(&rng, c == 7 ? 3 : 14); /* corpus 7: mostly short */
            json_array_append_new(hypotheses, json_string(corpus->hypotheses[i]));
            json_t *segment = json_array();
            for (size_t r = 0; r < corpus->reference_count; r++) {
                char *reference = random_sentence(&rng, 14);
                if (r > 0 && rgtg_rng_below(&rng, 4) == 0) reference[0] = '\0'; /* an absent extra reference */
                if (r == 0 && reference[0] == '\0') strcpy(reference, "the");
                corpus->references[i * corpus->reference_count + r] = reference;
                json_array_append_new(segment, json_string(reference));
            }
            json_array_append_new(references, segment);
        }
        json_array_append_new(bleu_cases, json_pack("{s:o, s:o, s:i, s:b}", "hypotheses", hypotheses, "references",
                                                     references, "max_order", corpus->max_order, "effective_order",
                                                     corpus->effective_order));
    }
    json_t *output =
        reference_run(python, script, json_pack("{s:o, s:o}", "tokenize", tokenize, "bleu", bleu_cases));
    json_t *expected_tokens = json_object_get(output, "tokenize"), *expected_bleu = json_object_get(output, "bleu");
    CHECK_MSG(json_array_size(expected_tokens) == TEXTS && json_array_size(expected_bleu) == CORPORA,
              "the reference returned %zu tokenizations and %zu scores", json_array_size(expected_tokens),
              json_array_size(expected_bleu));
    size_t token_mismatches = 0;
    for (size_t i = 0; i < TEXTS && i < json_array_size(expected_tokens); i++) {
        char *tokens = NULL;
        CHECK_OK(rgtg_tokenize_13a(texts[i], &tokens, NULL));
        const char *expected = json_string_value(json_array_get(expected_tokens, i));
        if (!tokens || !expected || strcmp(tokens, expected) != 0) {
            if (token_mismatches++ < 5)
                CHECK_MSG(false, "13a mismatch on '%s':\n  C:      '%s'\n  Python: '%s'", texts[i],
                          tokens ? tokens : "",
                          expected ? expected : "");
        }
        free(tokens);
    }
    CHECK_MSG(token_mismatches == 0, "%zu of %d tokenizations differ", token_mismatches, TEXTS);
    double worst = 0.0;
    for (size_t c = 0; c < CORPORA && c < json_array_size(expected_bleu); c++) {
        const random_corpus_t *corpus = &corpora[c];
        json_t *expected = json_array_get(expected_bleu, c);
        rgtg_bleu_params_t params = {.max_ngram_order = corpus->max_order, .effective_order = corpus->effective_order};
        rgtg_bleu_t bleu;
        CHECK_OK(rgtg_bleu_corpus((const char *const *)corpus->hypotheses, corpus->n,
                                  (const char *const *)corpus->references, corpus->reference_count, &params, &bleu));
        bool same_stats = (json_int_t)bleu.sys_len == json_integer_value(json_object_get(expected, "sys_len")) &&
                          (json_int_t)bleu.ref_len == json_integer_value(json_object_get(expected, "ref_len"));
        json_t *counts = json_object_get(expected, "counts"), *totals = json_object_get(expected, "totals");
        for (int k = 0; k < corpus->max_order; k++)
            same_stats = same_stats &&
                         (json_int_t)bleu.counts[k] == json_integer_value(json_array_get(counts, (size_t)k)) &&
                         (json_int_t)bleu.totals[k] == json_integer_value(json_array_get(totals, (size_t)k));
        double score = reference_number(json_object_get(expected, "score"));
        worst = fmax(worst, fabs(bleu.score - score));
        CHECK_MSG(same_stats && reference_near(bleu.score, score, 1e-12, 1e-9),
                  "corpus %zu (order %d%s): C %.15g (sys %zu ref %zu), Python %.15g", c, corpus->max_order,
                  corpus->effective_order ? ", effective" : "", bleu.score, bleu.sys_len, bleu.ref_len, score);
    }
    printf("test_bleu: %d random 13a tokenizations and %d random corpora vs Python, max score difference %.3g\n", TEXTS,
           CORPORA, worst);
    json_decref(output);
    for (size_t i = 0; i < TEXTS; i++) free(texts[i]);
    for (size_t c = 0; c < CORPORA; c++) {
        for (size_t i = 0; i < corpora[c].n; i++) free(corpora[c].hypotheses[i]);
        for (size_t i = 0; i < corpora[c].n * corpora[c].reference_count; i++) free(corpora[c].references[i]);
        free(corpora[c].hypotheses);
        free(corpora[c].references);
    }
}

static void test_bad_arguments(void) {
    rgtg_bleu_params_t params = rgtg_bleu_default_params();
    rgtg_bleu_t bleu;
    const char *const hypotheses[] = {"a b", NULL};
    const char *const references[] = {"a b", "c d"};
    rgtg_error_clear();
    CHECK(rgtg_bleu_corpus(hypotheses, 2, references, 1, &params, &bleu) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "hypothesis 1 is NULL"), "%s", rgtg_error_message());
    rgtg_error_clear();
    const char *const two_hypotheses[] = {"a b", "c"}, *const no_reference[] = {"a b", "", NULL, ""};
    CHECK(rgtg_bleu_corpus(two_hypotheses, 2, no_reference, 2, &params, &bleu) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "segment 1 has no reference"), "%s", rgtg_error_message());
    rgtg_error_clear();
    params.max_ngram_order = 0;
    CHECK(rgtg_bleu_corpus(hypotheses, 1, references, 1, &params, &bleu) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    params.max_ngram_order = RGTG_BLEU_MAX_ORDER + 1;
    CHECK(rgtg_bleu_corpus(hypotheses, 1, references, 1, &params, &bleu) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    params = rgtg_bleu_default_params();
    CHECK(rgtg_bleu_corpus(hypotheses, 1, references, 0, &params, &bleu) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_bleu_corpus(hypotheses, 1, references, 1, NULL, &bleu) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    const size_t counts[] = {3, 1, 0, 0}, totals[] = {2, 1, 0, 0};
    CHECK(rgtg_bleu_from_stats(counts, totals, 2, 2, &params, &bleu) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "order 1 has 3 matches of 2"), "%s", rgtg_error_message());
    rgtg_error_clear();
    char *tokens = (char *)1;
    CHECK(rgtg_tokenize_13a(NULL, &tokens, NULL) == RGTG_ERR_INVALID && tokens == NULL);
    rgtg_error_clear();
    CHECK_OK(rgtg_bleu_corpus(NULL, 0, NULL, 0, &params, &bleu));
    CHECK(bleu.score == 0.0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_bleu PYTHON bleu_ref.py\n");
        return 2;
    }
    test_published_corpus_values();
    test_published_sentence_values();
    test_tokenizer_known_cases();
    test_bad_arguments();
    test_against_reference(argv[1], argv[2]);
    return check_summary("test_bleu");
}
