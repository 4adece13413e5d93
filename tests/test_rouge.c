/* tests/test_rouge.c: eval/porter and eval/rouge.
 * The Porter stemmer against NLTK's PorterStemmer() (the mode rouge-score uses) on about 45,000 WordNet
 * words and inflections (tests/reference/rouge_ref.py), every stem equal. ROUGE-L with and without
 * stemming against rouge-score's recipe run in Python with NLTK on random texts of up to 400 words
 * (LCS and token counts equal, scores within 1e-12). Hand-computed ROUGE-L cases, rouge-score's own
 * published cases, the Unicode corners of its lowercasing, and bad arguments.
 * Usage: test_rouge PYTHON tests/reference/rouge_ref.py */
#include "../eval/rouge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../eval/porter.h"
#include "check.h"
#include "reference_run.h"

static void check_rouge(const char *candidate, const char *reference, bool stem, size_t lcs, size_t candidate_tokens,
                        size_t reference_tokens, double f1) {
    rgtg_rouge_t score;
    CHECK_OK(rgtg_rouge_l_stemming(candidate, reference, stem, &score));
    CHECK_MSG(score.lcs == lcs && score.candidate_tokens == candidate_tokens &&
                  score.reference_tokens == reference_tokens && fabs(score.f1 - f1) < 1e-15,
              "'%s' vs '%s'%s: lcs %zu tokens %zu/%zu f1 %.17g (expected %zu, %zu/%zu, %.17g)", candidate, reference,
              stem ? " stemmed" : "", score.lcs, score.candidate_tokens, score.reference_tokens, score.f1, lcs,
              candidate_tokens, reference_tokens, f1);
}

static void test_hand_computed(void) {
    /* stems: cats -> cat, running -> run, quickly -> quickli, runs -> run; "are" (3 letters) unstemmed.
     * stemmed: the cat are run quickli / the cat run quick -> lcs 3, P 3/5, R 3/4, F 2/3
     * plain:   the cats are running quickly / the cat runs quick -> lcs 1 (the), P 1/5, R 1/4, F 2/9 */
    check_rouge("The cats are running quickly", "the cat runs quick", true, 3, 5, 4, 2.0 / 3.0);
    check_rouge("The cats are running quickly", "the cat runs quick", false, 1, 5, 4, 2.0 / 9.0);
    /* rouge-score's tests: rougeL of prediction "testing two" against target "testing one two": P 1, R 2/3, F 4/5;
     * "text first" against "first text": F 1/2; an empty target: 0 */
    check_rouge("testing two", "testing one two", false, 2, 2, 3, 0.8);
    check_rouge("testing one", "testing one two", false, 2, 2, 3, 0.8);
    check_rouge("text first", "first text", false, 1, 2, 2, 0.5);
    check_rouge("testing one two", "", false, 0, 3, 0, 0.0);
    /* tokenization: case, punctuation, digits; non-ASCII letters separate (rouge-score keeps only a-z0-9) */
    check_rouge("Hello, World! x-ray 3.5", "hello world x ray 3 5", false, 6, 6, 6, 1.0);
    check_rouge("caf\xc3\xa9 na\xc3\xafve", "caf na ve", false, 3, 3, 3, 1.0);
    check_rouge("\xe6\x97\xa5\xe6\x9c\xac", "a", false, 0, 0, 1, 0.0);
    /* Python's lowercase of U+0130 is "i" + U+0307 (a separator), of the Kelvin sign U+212A is "k" */
    check_rouge("\xc4\xb0stanbul", "i stanbul", false, 2, 2, 2, 1.0);
    check_rouge("a\xe2\x84\xaa" "b", "akb", false, 1, 1, 1, 1.0);
    /* stemming applies to tokens longer than 3 characters only: "ties" -> "tie", "ran" stays */
    check_rouge("ties ran", "tie ran", true, 2, 2, 2, 1.0);
    check_rouge("ties ran", "tie ran", false, 1, 2, 2, 0.5);
    /* repeated tokens: the the the vs the cat the: lcs 2 */
    check_rouge("the the the", "the cat the", false, 2, 3, 3, 2.0 / 3.0);
}

static void test_porter_known(void) {
    /* examples from Porter (1980) and NLTK's documented deviations */
    static const char *const pairs[][2] = {
        {"caresses", "caress"}, {"ponies", "poni"},     {"ties", "tie"},        {"caress", "caress"},
        {"cats", "cat"},        {"feed", "feed"},       {"agreed", "agre"},     {"plastered", "plaster"},
        {"bled", "bled"},       {"motoring", "motor"},  {"sing", "sing"},       {"conflated", "conflat"},
        {"hopping", "hop"},     {"falling", "fall"},    {"filing", "file"},     {"happy", "happi"},
        {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},       {"news", "news"},
        {"relational", "relat"}, {"generalizations", "gener"}, {"enjoy", "enjoy"}, {"spied", "spi"},
        {"tied", "tie"},        {"Running", "run"},     {"by", "by"},           {"controlling", "control"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char out[64];
        size_t length;
        CHECK_OK(rgtg_porter_stem(pairs[i][0], strlen(pairs[i][0]), out, sizeof out, &length));
        CHECK_MSG(strcmp(out, pairs[i][1]) == 0 && length == strlen(out), "stem(%s) = %s, expected %s", pairs[i][0],
                  out, pairs[i][1]);
    }
    char small[4];
    size_t length;
    rgtg_error_clear();
    CHECK(rgtg_porter_stem("running", 7, small, sizeof small, &length) == RGTG_ERR_INVALID);
    rgtg_error_clear();
}

static char *random_text(rgtg_rng_t *rng, size_t max_words) {
    static const char *const words[] = {
        "running", "runs", "ran", "Run", "happiness", "happily", "happy", "generalization", "generalizations", "cats",
        "Caresses", "ponies", "ties", "skies", "Skies", "dying", "lying", "agreed", "feed", "relational",
        "conditional", "hopefulness", "electrical", "adjustment", "controlling", "rolling", "the", "a", "of", "and",
        "to", "in", "is", "it's", "don't", "x1", "1990s", "3rd", "42", "news", "innings", "proceed", "succeeded",
        "caf\xc3\xa9", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "\xc4\xb0stanbul", "\xe2\x84\xaa" "elvin",
        "STRUCTURAL", "operator", "sensibility", "triplicate", "formalize", "goodness", "revival", "allowance",
        "inference", "airliner", "gyroscopic", "adjustable", "irritant", "replacement", "dependent", "adoption",
        "communism", "activate", "effective", "bowdlerize", "probate", "rate", "cease", "yelling", "toying",
    };
    static const char *const separators[] = {" ", " ", " ", ", ", ". ", "-", "\n", "'", "!? ", " (", ") ", "/", "_"};
    size_t count = rgtg_rng_below(rng, max_words + 1), capacity = 24 * count + 1, length = 0;
    char *text = malloc(capacity);
    text[0] = '\0';
    for (size_t i = 0; i < count; i++)
        length += (size_t)snprintf(text + length, capacity - length, "%s%s",
                                   words[rgtg_rng_below(rng, sizeof words / sizeof *words)],
                                   separators[rgtg_rng_below(rng, sizeof separators / sizeof *separators)]);
    return text;
}

static bool same_score(const rgtg_rouge_t *got, json_t *expected) {
    return (json_int_t)got->lcs == json_integer_value(json_object_get(expected, "lcs")) &&
           (json_int_t)got->candidate_tokens == json_integer_value(json_object_get(expected, "candidate_tokens")) &&
           (json_int_t)got->reference_tokens == json_integer_value(json_object_get(expected, "reference_tokens")) &&
           reference_near(got->f1, reference_number(json_object_get(expected, "f1")), 1e-12, 1.0) &&
           reference_near(got->precision, reference_number(json_object_get(expected, "precision")), 1e-12, 1.0) &&
           reference_near(got->recall, reference_number(json_object_get(expected, "recall")), 1e-12, 1.0);
}

static void test_against_nltk(const char *python, const char *script) {
    enum { PAIRS = 120 };
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, 31, 5);
    char *texts[2 * PAIRS];
    json_t *pairs = json_array();
    for (size_t i = 0; i < PAIRS; i++) {
        size_t longest = i == 0 ? 0 : i % 20 == 19 ? 400 : 40; /* every 20th pair long: LCS over several words */
        texts[2 * i] = random_text(&rng, longest);
        texts[2 * i + 1] = random_text(&rng, longest ? longest : 40);
        json_array_append_new(pairs, json_pack("{s:s, s:s}", "candidate", texts[2 * i], "reference", texts[2 * i + 1]));
    }
    /* NLTK corner cases: its irregular forms in other cases, short words, digits, y after y */
    json_t *extra = json_pack("[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s]", "Skies", "SKY", "Dying", "ies", "sses",
                              "ied", "eed", "yyyy", "sayyid", "by", "a", "1990s", "x1y", "abcdefghijklmnopqrstuvwxyzzz",
                              "generalizationally", "sensibilities", "hopefullies", "analogously", "archaeology",
                              "bdfg");
    json_t *output = reference_run(python, script, json_pack("{s:o, s:o}", "extra_words", extra, "pairs", pairs));
    json_t *words = json_object_get(output, "words"), *stems = json_object_get(output, "stems");
    size_t word_count = json_array_size(words), mismatches = 0;
    CHECK_MSG(word_count >= 2000 && json_array_size(stems) == word_count, "NLTK stemmed %zu words", word_count);
    char *buffer = NULL;
    size_t buffer_size = 0;
    for (size_t i = 0; i < word_count; i++) {
        const char *word = json_string_value(json_array_get(words, i));
        const char *expected = json_string_value(json_array_get(stems, i));
        size_t length = strlen(word);
        if (buffer_size < length + 2) {
            buffer_size = 2 * length + 2;
            buffer = realloc(buffer, buffer_size);
        }
        size_t stem_length;
        CHECK_OK(rgtg_porter_stem(word, length, buffer, buffer_size, &stem_length));
        if (strcmp(buffer, expected) != 0 && mismatches++ < 20)
            CHECK_MSG(false, "stem(%s): C '%s', NLTK '%s'", word, buffer, expected);
    }
    free(buffer);
    CHECK_MSG(mismatches == 0, "%zu of %zu stems differ from NLTK", mismatches, word_count);

    json_t *expected_pairs = json_object_get(output, "pairs");
    CHECK_MSG(json_array_size(expected_pairs) == PAIRS, "reference scored %zu pairs", json_array_size(expected_pairs));
    size_t differing = 0, stemming_mattered = 0;
    for (size_t i = 0; i < PAIRS && i < json_array_size(expected_pairs); i++) {
        json_t *expected = json_array_get(expected_pairs, i);
        rgtg_rouge_t plain, stemmed;
        CHECK_OK(rgtg_rouge_l_stemming(texts[2 * i], texts[2 * i + 1], false, &plain));
        CHECK_OK(rgtg_rouge_l_stemming(texts[2 * i], texts[2 * i + 1], true, &stemmed));
        bool ok = same_score(&plain, json_object_get(expected, "plain")) &&
                  same_score(&stemmed, json_object_get(expected, "stemmed"));
        stemming_mattered += plain.lcs != stemmed.lcs;
        if (!ok && differing++ < 5)
            CHECK_MSG(false,
                      "pair %zu: C lcs %zu/%zu f1 %.17g/%.17g (plain/stemmed) differs from rouge-score's recipe\n"
                             "  candidate: %s\n  reference: %s",
                      i, plain.lcs, stemmed.lcs, plain.f1, stemmed.f1, texts[2 * i], texts[2 * i + 1]);
    }
    CHECK_MSG(differing == 0, "%zu of %d pairs differ", differing, PAIRS);
    CHECK_MSG(stemming_mattered > 10, "stemming changed the LCS in only %zu pairs: the inputs test too little",
              stemming_mattered);
    rgtg_rouge_t check;
    const char *candidates[PAIRS], *references[PAIRS];
    double sum = 0.0;
    for (size_t i = 0; i < PAIRS; i++) {
        candidates[i] = texts[2 * i];
        references[i] = texts[2 * i + 1];
        CHECK_OK(rgtg_rouge_l_stemming(candidates[i], references[i], true, &check));
        sum += check.f1;
    }
    double corpus;
    CHECK_OK(rgtg_rouge_l_corpus_f1_stemming(candidates, references, PAIRS, true, &corpus));
    CHECK_MSG(corpus == sum / PAIRS, "corpus mean %.17g vs %.17g", corpus, sum / PAIRS);
    printf("test_rouge: %zu words compared with NLTK %s stems, %zu differ; %d ROUGE-L pairs (stemming changed %zu) "
           "compared with rouge-score's recipe, %zu differ\n",
           word_count, json_string_value(json_object_get(output, "nltk_version")), mismatches, PAIRS, stemming_mattered,
           differing);
    json_decref(output);
    for (size_t i = 0; i < 2 * PAIRS; i++) free(texts[i]);
}

static void test_bad_arguments(void) {
    rgtg_rouge_t score;
    double mean;
    rgtg_error_clear();
    CHECK(rgtg_rouge_l(NULL, "a", &score) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    const char *const candidates[] = {"a", NULL}, *const references[] = {"a", "b"};
    CHECK(rgtg_rouge_l_corpus_f1(candidates, references, 2, &mean) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "pair 1 of 2"), "%s", rgtg_error_message());
    rgtg_error_clear();
    CHECK(rgtg_rouge_l_corpus_f1(NULL, NULL, 3, &mean) == RGTG_ERR_INVALID);
    rgtg_error_clear();
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_rouge PYTHON rouge_ref.py\n");
        return 2;
    }
    test_hand_computed();
    test_porter_known();
    test_bad_arguments();
    test_against_nltk(argv[1], argv[2]);
    return check_summary("test_rouge");
}
