/* tests/test_diversity.c: eval/diversity on hand-computed values: self-ROUGE-L per prompt and over
 * prompts (single-sample prompts skipped and counted), distinct-1/2 over whitespace words (case and
 * punctuation kept, n-grams not crossing samples), independence from the order of the samples,
 * stemming passed through to ROUGE-L, and bad arguments. */
#include "../eval/diversity.h"

#include <math.h>
#include <string.h>

#include "check.h"

static bool close_to(double got, double expected) { return fabs(got - expected) < 1e-15; }

static void test_hand_computed(void) {
    /* prompt A: "the cat sat" / "the cat ran" -> lcs 2 of 3 each, F 2/3; "the cat sat" / "a dog ran" -> 0;
     * "the cat ran" / "a dog ran" -> lcs 1, F 1/3; mean (2/3 + 0 + 1/3) / 3 = 1/3.
     * prompt B: two identical samples -> F 1. prompt C: one sample, skipped.
     * self-ROUGE-L = (1/3 + 1) / 2 = 2/3 over 2 prompts and 4 pairs.
     * words: 3 + 3 + 3 + 2 + 2 + 1 = 14, distinct {the cat sat ran a dog x y solo} = 9 -> 9/14;
     * bigrams: 2 + 2 + 2 + 1 + 1 + 0 = 8, distinct {the cat, cat sat, cat ran, a dog, dog ran, x y} = 6 -> 3/4 */
    const char *samples[] = {"the cat sat", "x y", "the cat ran", "solo", "a dog ran", "x y"};
    const char *prompts[] = {"A", "B", "A", "C", "A", "B"};
    rgtg_diversity_params_t params = rgtg_diversity_default_params();
    CHECK(!params.use_stemmer);
    rgtg_diversity_t d;
    CHECK_OK(rgtg_diversity(samples, prompts, 6, &params, &d));
    CHECK_MSG(d.samples == 6 && d.prompts == 2 && d.prompts_skipped == 1 && d.pairs == 4, "counts %zu %zu %zu %zu",
              d.samples, d.prompts, d.prompts_skipped, d.pairs);
    CHECK_MSG(close_to(d.self_rouge_l, 2.0 / 3.0), "self-ROUGE-L %.17g", d.self_rouge_l);
    CHECK_MSG(d.unigrams == 14 && d.distinct_unigrams == 9 && close_to(d.distinct_1, 9.0 / 14.0), "distinct-1 %zu/%zu",
              d.distinct_unigrams, d.unigrams);
    CHECK_MSG(d.bigrams == 8 && d.distinct_bigrams == 6 && d.distinct_2 == 0.75, "distinct-2 %zu/%zu",
              d.distinct_bigrams, d.bigrams);

    double mean;
    const char *group[] = {"the cat sat", "the cat ran", "a dog ran"};
    CHECK_OK(rgtg_self_rouge_l(group, 3, false, &mean));
    CHECK_MSG(close_to(mean, 1.0 / 3.0), "one prompt: %.17g", mean);

    /* the same data in another order gives the same numbers */
    const char *shuffled[] = {"x y", "a dog ran", "solo", "x y", "the cat ran", "the cat sat"};
    const char *shuffled_prompts[] = {"B", "A", "C", "B", "A", "A"};
    rgtg_diversity_t again;
    CHECK_OK(rgtg_diversity(shuffled, shuffled_prompts, 6, &params, &again));
    CHECK_MSG(again.self_rouge_l == d.self_rouge_l && again.distinct_1 == d.distinct_1 &&
                  again.distinct_2 == d.distinct_2 && again.pairs == d.pairs,
              "order changed the result");
}

static void test_tokenization_choices(void) {
    /* distinct-n keeps case and punctuation: "Good." "good" "good" -> 2 distinct of 3 */
    const char *samples[] = {"Good.", "good", "good"};
    size_t distinct, total;
    double ratio;
    CHECK_OK(rgtg_distinct_n(samples, 3, 1, &distinct, &total, &ratio));
    CHECK_MSG(distinct == 2 && total == 3, "distinct-1 of Good./good/good: %zu/%zu", distinct, total);
    /* whitespace is Python's: tabs, newlines and U+00A0 separate words */
    const char *spaced[] = {"a\tb\nc\xc2\xa0" "d  a"};
    CHECK_OK(rgtg_distinct_n(spaced, 1, 1, &distinct, &total, &ratio));
    CHECK_MSG(distinct == 4 && total == 5, "distinct-1 with mixed whitespace: %zu/%zu", distinct, total);
    /* n-grams do not cross samples: "a b" + "c d" has 2 bigrams, not 3 */
    const char *two[] = {"a b", "c d"};
    CHECK_OK(rgtg_distinct_n(two, 2, 2, &distinct, &total, &ratio));
    CHECK_MSG(distinct == 2 && total == 2 && ratio == 1.0, "bigrams across samples: %zu/%zu", distinct, total);
    /* nothing to count: NaN */
    const char *blank[] = {"", "one"};
    CHECK_OK(rgtg_distinct_n(blank, 2, 2, &distinct, &total, &ratio));
    CHECK(total == 0 && isnan(ratio));

    /* ROUGE-L in self-ROUGE-L uses rouge-score's tokens (so "Cat," == "cat") and the stemmer when asked:
     * "cats run" / "cat running": plain lcs 0; stemmed cat run / cat run -> 1 */
    const char *forms[] = {"Cats run", "cat running"};
    const char *ids[] = {"p", "p"};
    rgtg_diversity_params_t params = rgtg_diversity_default_params();
    rgtg_diversity_t d;
    CHECK_OK(rgtg_diversity(forms, ids, 2, &params, &d));
    CHECK_MSG(d.self_rouge_l == 0.0, "plain: %g", d.self_rouge_l);
    params.use_stemmer = true;
    CHECK_OK(rgtg_diversity(forms, ids, 2, &params, &d));
    CHECK_MSG(d.self_rouge_l == 1.0, "stemmed: %g", d.self_rouge_l);
    const char *punctuated[] = {"Cat, dog!", "cat dog"};
    params.use_stemmer = false;
    CHECK_OK(rgtg_diversity(punctuated, ids, 2, &params, &d));
    CHECK_MSG(d.self_rouge_l == 1.0, "rouge tokens: %g", d.self_rouge_l);
}

static void test_edges_and_errors(void) {
    rgtg_diversity_params_t params = rgtg_diversity_default_params();
    rgtg_diversity_t d;
    /* only single-sample prompts: no self-ROUGE-L */
    const char *samples[] = {"a b", "c d"};
    const char *prompts[] = {"1", "2"};
    CHECK_OK(rgtg_diversity(samples, prompts, 2, &params, &d));
    CHECK(d.prompts == 0 && d.prompts_skipped == 2 && isnan(d.self_rouge_l) && d.distinct_1 == 1.0);
    CHECK_OK(rgtg_diversity(NULL, NULL, 0, &params, &d));
    CHECK(d.samples == 0 && isnan(d.self_rouge_l) && isnan(d.distinct_1));

    const char *bad_prompts[] = {"1", NULL};
    rgtg_error_clear();
    CHECK(rgtg_diversity(samples, bad_prompts, 2, &params, &d) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "sample 1 has a NULL prompt id"), "%s", rgtg_error_message());
    rgtg_error_clear();
    const char *bad_samples[] = {NULL, "x"};
    CHECK(rgtg_diversity(bad_samples, prompts, 2, &params, &d) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "sample 0 has a NULL text"), "%s", rgtg_error_message());
    rgtg_error_clear();
    CHECK(rgtg_diversity(samples, prompts, 2, NULL, &d) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    double mean;
    CHECK(rgtg_self_rouge_l(samples, 1, false, &mean) == RGTG_ERR_INVALID && isnan(mean));
    rgtg_error_clear();
    size_t distinct, total;
    double ratio;
    CHECK(rgtg_distinct_n(samples, 2, 0, &distinct, &total, &ratio) == RGTG_ERR_INVALID);
    rgtg_error_clear();
}

int main(void) {
    test_hand_computed();
    test_tokenization_choices();
    test_edges_and_errors();
    return check_summary("test_diversity");
}
