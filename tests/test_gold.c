/* tests/test_gold.c: unit tests of data/gold (the gold reward) and data/gold_pairs (Bradley-Terry
 * labels, prefs.h5): hand-computed scores on fixed texts over a small WordNet written here, degenerate
 * texts scoring low and never above the good response, prompt parsing and parameter errors, label
 * frequencies against sigma(g_a - g_b) (binomial bounds over thousands of seeded draws), pairing rules
 * and their errors, and a labelled prefs.h5 read back with the existing reader. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/spm/spm.h"
#include "core/status.h"
#include "data/gold.h"
#include "data/gold_pairs.h"
#include "data/prefs_h5.h"
#include "data/wordnet.h"
#include "gold_fixture.h"

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const char *garage_prompt = "Define the word \"garage\" (noun).\nDefinition:";

static double score(const rgtg_gold_t *g, const char *prompt, const char *response, rgtg_gold_parts_t *parts) {
    double s = NAN;
    CHECK_OK(rgtg_gold_score(g, prompt, response, &s, parts));
    return s;
}

/* Hand-computed (see the comments): garage's D = {shelter, housing, automobile}, X = {parked},
 * synonyms {carport}, related {outbuilding}, other sense {shop, car, truck, serviced, repaired};
 * weights 2, 0.5, 0.75, 0.5 (sum 3.75), coverage scale 3. */
static void test_hand_computed(const rgtg_gold_t *g) {
    rgtg_gold_parts_t p;
    /* every part complete, 20 words, no repeat: 3 */
    double full = score(g, garage_prompt,
                        " A shelter for housing automobiles. It is a kind of outbuilding. It is also called carport. "
                        "She parked it there.",
                        &p);
    CHECK_MSG(NEAR(full, 3.0), "full %.9f", full);
    CHECK(p.words == 20 && NEAR(p.definition, 1) && NEAR(p.synonym, 1) && NEAR(p.hypernym, 1) && NEAR(p.example, 1));
    CHECK(p.off_topic_words == 0 && p.other_sense_words == 0 && p.repeat == 0 && p.unfinished == 0);
    /* 2/3 of D: coverage 3 * (2 * 2/3) / 3.75; three other-sense words (0.9); unfinished (0.5) */
    double late =
        score(g, garage_prompt, " A shelter for automobiles. It can also mean a shop where cars are repaired and", &p);
    CHECK_MSG(NEAR(late, 4.0 / 3.75 - 0.9 - 0.5), "late intrusion %.9f", late);
    CHECK(p.other_sense_words == 3 && p.words == 15 && NEAR(p.unfinished, 0.5));
    /* its prefix before the intrusion scores higher: the penalty shows only late */
    double prefix = score(g, garage_prompt, " A shelter for automobiles.", NULL);
    CHECK_MSG(NEAR(prefix, 4.0 / 3.75) && prefix > late, "prefix %.9f", prefix);
    /* six off-topic words, two free: 0.4 */
    double off = score(g, garage_prompt,
                       " A shelter for housing automobiles, painted green with a red door and wooden windows.", &p);
    CHECK_MSG(NEAR(off, 1.6 - 0.4) && p.off_topic_words == 6, "off-topic %.9f (%d words)", off, p.off_topic_words);
    /* 50 words: 5 over the budget of 45 (0.25); the stopwords add nothing and repeat no trigram */
    double longer = score(g, garage_prompt,
                          " A shelter for housing automobiles about above after again against all also am an and any "
                          "are as at be because been before being below between both but by can could did do does "
                          "doing down during each either few for from further had has have having he her here.",
                          &p);
    CHECK_MSG(NEAR(longer, 1.6 - 0.25) && p.words == 50, "over the budget %.9f (%d words)", longer, p.words);
    /* a verb: D = {move, fast, using, feet}, X = {ran, home}, related {move}; weights 2 + 0.75 + 0.5 */
    double run =
        score(g, "Define the word \"run\" (verb).", " To run is to move fast on foot. It is a way to move.", &p);
    CHECK_MSG(NEAR(run, 3.0 * (2 * 0.5 + 0.75) / 3.25), "run %.9f", run);
    CHECK(p.synonym == -1 && NEAR(p.definition, 0.5) && NEAR(p.hypernym, 1) && p.example == 0 &&
          p.off_topic_words == 1);
    /* an antonym is on topic (no credit, no penalty); big has only a definition */
    double big = score(g, "Define the word \"big\" (adjective).", " Above average in size, not small.", &p);
    CHECK_MSG(NEAR(big, 3.0) && p.off_topic_words == 0 && p.hypernym == -1, "big %.9f", big);
    /* a satellite's related word is its head; an adverb's is the adjective it pertains to */
    score(g, "Define the word \"huge\" (adjective).", " Unusually big.", &p);
    CHECK(NEAR(p.hypernym, 1));
    score(g, "Define the word \"quickly\" (adverb).", " In a quick way.", &p);
    CHECK(NEAR(p.hypernym, 1) && NEAR(p.definition, 0));
    /* plurals: "shelters", "automobile", "housings" match D */
    double plural = score(g, garage_prompt, " Shelters for housings of an automobile.", &p);
    CHECK_MSG(NEAR(plural, 1.6) && NEAR(p.definition, 1), "plurals %.9f", plural);
}

/* Degenerate texts score low, and never above the single good response. */
static void test_degenerate(const rgtg_gold_t *g) {
    const char *good_text = " A shelter for housing automobiles.";
    double good = score(g, garage_prompt, good_text, NULL);
    CHECK(NEAR(good, 1.6));
    struct {
        const char *what, *text;
        double expected;
    } cases[] = {
        {"empty", "", -1.5},
        {"blank", "   ", -1.5},
        {"copied prompt", " Define the word \"garage\" (noun).\nDefinition:", -1.5},
        {"stopword soup", " the of and to in it is was for on with as by at from.", -1.0},
        {"the word repeated", " garage garage garage garage garage.", -1.0 - 2.0 * 2 / 3},
        {"a content word repeated", " shelter shelter shelter shelter shelter.", 3.0 * (2.0 / 3) / 3.75 - 2.0 * 2 / 3},
        {"the gloss twice", " A shelter for housing automobiles. A shelter for housing automobiles.",
         1.6 - 2.0 * 3 / 8},
        {"the gloss three times",
         " A shelter for housing automobiles. A shelter for housing automobiles. A shelter for housing automobiles.",
         1.6 - 2.0 * 8 / 13},
        {"scaffold only", " It is a kind of thing. For example, a word.", -1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double s = score(g, garage_prompt, cases[i].text, NULL);
        CHECK_MSG(NEAR(s, cases[i].expected), "%s: %.9f, expected %.9f", cases[i].what, s, cases[i].expected);
        CHECK_MSG(s < good, "%s scores %.3f, not below the good response's %.3f", cases[i].what, s, good);
    }
}

static void test_errors(const rgtg_wordnet_t *db, const rgtg_gold_t *g) {
    double s;
    char word[8];
    rgtg_pos_t pos;
    CHECK(rgtg_gold_score(g, "What does garage mean?", " a shelter.", &s, NULL) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "not a \"define\" prompt") != NULL);
    rgtg_error_clear();
    CHECK(rgtg_gold_score(g, "Define the word \"garage\" (pronoun).", " a shelter.", &s, NULL) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_gold_score(g, "Define the word \"zebra\" (noun).", " a horse.", &s, NULL) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "WordNet has no noun \"zebra\"") != NULL);
    rgtg_error_clear();
    CHECK(rgtg_gold_parse_prompt("Define the word \"outbuilding\" (noun).", word, sizeof word, &pos) ==
          RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK_OK(rgtg_gold_parse_prompt("Human: Define the word \"run\" (verb).", word, sizeof word, &pos));
    CHECK(!strcmp(word, "run") && pos == RGTG_POS_VERB);
    rgtg_gold_params_t bad = rgtg_gold_default_params();
    bad.off_topic_penalty = -0.1;
    rgtg_gold_t *none = NULL;
    CHECK(rgtg_gold_create(db, &bad, &none) == RGTG_ERR_INVALID && none == NULL);
    rgtg_error_clear();
    bad = rgtg_gold_default_params();
    bad.weight_definition = bad.weight_synonym = bad.weight_hypernym = bad.weight_example = 0;
    CHECK(rgtg_gold_create(db, &bad, &none) == RGTG_ERR_INVALID && none == NULL);
    rgtg_error_clear();
    CHECK(rgtg_gold_open("/nonexistent-wordnet", &bad, &none) != RGTG_OK && none == NULL);
    rgtg_error_clear();
}

static void test_bt_probability(void) {
    CHECK(NEAR(rgtg_gold_bt_probability(1.0, 1.0, 1.0), 0.5));
    CHECK(NEAR(rgtg_gold_bt_probability(2.0, 1.0, 1.0), 0.7310585786300049)); /* 1 / (1 + e^-1) */
    CHECK(NEAR(rgtg_gold_bt_probability(1.0, 2.0, 1.0), 0.2689414213699951));
    CHECK(NEAR(rgtg_gold_bt_probability(3.0, 1.0, 2.0), 0.7310585786300049));
    double tiny = rgtg_gold_bt_probability(-800, 0, 1.0), huge = rgtg_gold_bt_probability(800, 0, 1.0);
    CHECK(tiny >= 0 && tiny < 1e-300 && huge == 1.0 && !isnan(tiny));
    /* raw draws: frequencies within 4.5 binomial SEs of sigma(d) */
    const double gaps[] = {-3, -1, -0.25, 0, 0.5, 2};
    for (size_t k = 0; k < sizeof gaps / sizeof gaps[0]; k++) {
        rgtg_rng_t rng;
        rgtg_rng_seed(&rng, 17, 100 + k);
        const int N = 20000;
        int yes = 0;
        for (int i = 0; i < N; i++) yes += rgtg_gold_bt_draw(&rng, gaps[k], 0, 1.0);
        double p = 1 / (1 + exp(-gaps[k])), se = sqrt(p * (1 - p) / N), f = (double)yes / N;
        CHECK_MSG(fabs(f - p) < 4.5 * se, "gap %g: frequency %.4f, sigma %.4f (SE %.4f)", gaps[k], f, p, se);
    }
}

/* Label frequencies through rgtg_gold_label_items match sigma(g_a - g_b) for three known gaps. */
static void test_label_frequencies(const rgtg_gold_t *g) {
    const char *texts[][2] = {
        {" A shelter for housing automobiles. It is a kind of outbuilding. It is also called carport. She parked it "
         "there.",
         " A shelter for automobiles. It can also mean a shop where cars are repaired and"},
        {" A shelter for housing automobiles.",
         " A shelter for housing automobiles. A shelter for housing automobiles."},
        {" A shelter for housing automobiles, painted green with a red door and wooden windows.",
         " A shelter for housing automobiles."},
    };
    enum { PER_GAP = 3000, KINDS = 3 };
    size_t n = 2 * PER_GAP * KINDS;
    rgtg_gold_item_t *items = calloc(n, sizeof *items);
    for (size_t i = 0; i < PER_GAP * KINDS; i++)
        for (int s = 0; s < 2; s++)
            items[2 * i + s] = (rgtg_gold_item_t){(int64_t)i, s, garage_prompt, texts[i % KINDS][s]};
    rgtg_gold_label_params_t params = rgtg_gold_label_default_params();
    params.seed = 5;
    rgtg_gold_labels_t labels;
    CHECK_OK(rgtg_gold_label_items(g, items, n, &params, "items", &labels));
    CHECK(labels.count == PER_GAP * KINDS);
    int chosen[KINDS] = {0}, splits[RGTG_SPLIT_COUNT] = {0};
    double gap[KINDS];
    for (size_t i = 0; i < labels.count; i++) {
        const rgtg_gold_label_t *l = &labels.labels[i];
        CHECK(l->id == (int64_t)i && l->a == 2 * i && l->b == 2 * i + 1);
        gap[i % KINDS] = l->gold_a - l->gold_b;
        chosen[i % KINDS] += l->a_chosen;
        splits[l->split]++;
    }
    CHECK(NEAR(gap[0], 3.0 - (4.0 / 3.75 - 1.4)) && NEAR(gap[1], 0.75) && NEAR(gap[2], -0.4));
    for (int k = 0; k < KINDS; k++) {
        double p = 1 / (1 + exp(-gap[k])), se = sqrt(p * (1 - p) / PER_GAP), f = (double)chosen[k] / PER_GAP;
        CHECK_MSG(fabs(f - p) < 4.5 * se, "gap %.3f: first chosen %.4f of the time, sigma %.4f (SE %.4f)", gap[k], f, p,
                  se);
    }
    /* 5% valid, 5% test of 9000 prompts: within 5 SEs */
    double se = sqrt(0.05 * 0.95 / 9000) * 9000;
    CHECK_MSG(fabs(splits[RGTG_SPLIT_VALID] - 450.0) < 5 * se && fabs(splits[RGTG_SPLIT_TEST] - 450.0) < 5 * se,
              "splits %d %d %d", splits[0], splits[1], splits[2]);

    /* a scale of 2 halves the gaps: P = sigma(gap / 2) */
    params.bt_scale = 2;
    rgtg_gold_labels_t scaled;
    CHECK_OK(rgtg_gold_label_items(g, items, n, &params, "items", &scaled));
    CHECK(scaled.count == labels.count && NEAR(scaled.labels[1].p_a, 1 / (1 + exp(-0.375))));

    /* the same labels when the rows come in another order and without sample numbers (pairs in order) */
    for (size_t i = 0; i < n / 2; i++) {
        rgtg_gold_item_t t = items[i];
        items[i] = items[n - 1 - i];
        items[n - 1 - i] = t;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].sample = -1;
        if (i % 2 == 0) { /* each id's sample 1 now comes first: swap each adjacent couple back */
            rgtg_gold_item_t t = items[i];
            items[i] = items[i + 1];
            items[i + 1] = t;
        }
    }
    params.bt_scale = 1;
    rgtg_gold_labels_t again;
    CHECK_OK(rgtg_gold_label_items(g, items, n, &params, "items", &again));
    int same = again.count == labels.count;
    for (size_t i = 0; same && i < labels.count; i++)
        same = again.labels[i].id == labels.labels[i].id && again.labels[i].a_chosen == labels.labels[i].a_chosen &&
               again.labels[i].split == labels.labels[i].split && NEAR(again.labels[i].gold_a, labels.labels[i].gold_a);
    CHECK_MSG(same, "labels depend on the rows' order");
    rgtg_gold_labels_free(&again);
    rgtg_gold_labels_free(&scaled);
    rgtg_gold_labels_free(&labels);
    free(items);
}

static void test_pairing(const rgtg_gold_t *g) {
    const char *other_prompt = "Define the word \"run\" (verb).";
    rgtg_gold_item_t items[] = {
        {7, 1, garage_prompt, " A shelter."},          /* id 7: samples 1, 0, 2 -> pair (0, 1), one extra */
        {3, -1, other_prompt, " To move fast."},       /* id 3: one row -> unpaired */
        {7, 0, garage_prompt, " A shop."},
        {9, -1, garage_prompt, " Same."},              /* id 9: identical responses */
        {7, 2, garage_prompt, " A building."},
        {9, -1, garage_prompt, " Same."},
        {4, 0, other_prompt, " To move."},             /* id 4: samples 0 and 2 -> unpaired, extra */
        {4, 2, other_prompt, " To go."},
    };
    size_t n = sizeof items / sizeof items[0];
    rgtg_gold_label_params_t params = rgtg_gold_label_default_params();
    rgtg_gold_labels_t labels;
    CHECK_OK(rgtg_gold_label_items(g, items, n, &params, "g.jsonl", &labels));
    CHECK(labels.count == 1 && labels.rows_read == 8);
    if (labels.count == 1) CHECK(labels.labels[0].id == 7 && labels.labels[0].a == 2 && labels.labels[0].b == 0);
    CHECK(labels.drop_counts[RGTG_GOLD_DROP_UNPAIRED] == 2 && labels.drop_counts[RGTG_GOLD_DROP_EXTRA_SAMPLE] == 2 &&
          labels.drop_counts[RGTG_GOLD_DROP_IDENTICAL] == 1);
    CHECK(!strcmp(labels.drop_reasons[RGTG_GOLD_DROP_IDENTICAL], "identical_responses"));
    rgtg_gold_labels_free(&labels);

    rgtg_gold_item_t mixed[] = {{1, -1, garage_prompt, " a"}, {1, -1, other_prompt, " b"}};
    CHECK(rgtg_gold_label_items(g, mixed, 2, &params, "g.jsonl", &labels) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "g.jsonl: id 1: rows of one id with different prompts") != NULL);
    rgtg_error_clear();
    /* rows that all say sample 0 (single-sample runs concatenated): paired in order */
    rgtg_gold_item_t twice[] = {{2, 0, garage_prompt, " b"}, {2, 0, garage_prompt, " a"}, {2, 0, garage_prompt, " c"}};
    CHECK_OK(rgtg_gold_label_items(g, twice, 3, &params, "g.jsonl", &labels));
    CHECK(labels.count == 1 && labels.labels[0].a == 0 && labels.labels[0].b == 1 &&
          labels.drop_counts[RGTG_GOLD_DROP_EXTRA_SAMPLE] == 1);
    rgtg_gold_labels_free(&labels);
    rgtg_gold_item_t unscorable[] = {{5, 0, "Tell me a joke.", " a"}, {5, 1, "Tell me a joke.", " b"}};
    CHECK(rgtg_gold_label_items(g, unscorable, 2, &params, "g.jsonl", &labels) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "g.jsonl: id 5: gold: not a \"define\" prompt") != NULL);
    rgtg_error_clear();
    params.bt_scale = 0;
    CHECK(rgtg_gold_label_items(g, items, n, &params, "g.jsonl", &labels) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    params = rgtg_gold_label_default_params();
    params.valid_fraction = 0.7;
    params.test_fraction = 0.4;
    CHECK(rgtg_gold_label_items(g, items, n, &params, "g.jsonl", &labels) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    /* generations rows: sample numbers count from format version 2 on */
    rgtg_generation_t rows[2] = {{.format_version = 2, .id = 4, .sample = 1, .prompt = "p", .response = "r"},
                                 {.format_version = 1, .id = 4, .sample = 0, .prompt = "p", .response = "s"}};
    rgtg_gold_item_t *views = rgtg_gold_items_of_generations(rows, 2);
    CHECK(views && views[0].id == 4 && views[0].sample == 1 && views[1].sample == -1 &&
          views[1].response == rows[1].response);
    free(views);
    double scores[2];
    CHECK(rgtg_gold_score_items(g, unscorable, 2, "g.jsonl", scores) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "g.jsonl: row 1 (id 5): gold:") != NULL);
    rgtg_error_clear();
}

static void tokenize_check(const rgtg_spm_t *spm, const char *text, const rgtg_token_span_t *span, const char *what) {
    int32_t *ids = NULL;
    size_t count = 0;
    CHECK_OK(rgtg_spm_encode(spm, text, strlen(text), &ids, &count));
    int same = span->len == (int64_t)count + 1 && span->ids[count] == rgtg_spm_eos_id(spm);
    for (size_t i = 0; same && i < count; i++) same = span->ids[i] == ids[i];
    CHECK_MSG(same, "%s: the stored tokens are not the response's tokens + EOS", what);
    free(ids);
}

/* A labelled prefs.h5 reads back with the existing reader: chosen = the drawn side, splits, prefix
 * index, attributes; failures leave no file. */
static void test_write(const rgtg_gold_t *g, const char *dir) {
    char corpus[512], model[512], out[600], gens[512];
    snprintf(corpus, sizeof corpus, "%s/corpus.txt", dir);
    snprintf(model, sizeof model, "%s/tok.model", dir);
    snprintf(out, sizeof out, "%s/gold.h5", dir);
    snprintf(gens, sizeof gens, "%s/gens.jsonl", dir);
    FILE *fp = fopen(corpus, "w");
    static const char *const sentences[] = {
        "Define the word garage (noun). Definition:", "A shelter for housing automobiles.",
        "It is a kind of outbuilding.", "It can also mean a shop where cars and trucks are repaired.",
        "Define the word run (verb). Definition:", "To move fast by using one's feet.", "He ran home.",
        "Synonyms include carport and shed.", "A small vessel for travel on water.",
    };
    for (int r = 0; r < 40; r++)
        for (size_t i = 0; i < sizeof sentences / sizeof sentences[0]; i++) fprintf(fp, "%s %d\n", sentences[i], r % 7);
    fclose(fp);
    fixture_write_file(dir, "gens.jsonl", "{}\n");
    rgtg_spm_train_params_t tp = rgtg_spm_train_default_params();
    tp.vocab_size = 80;
    tp.byte_fallback = false; /* 80 pieces leave no room for the 256 byte pieces; labels are what is tested here */
    CHECK_OK(rgtg_spm_train(corpus, model, &tp));
    rgtg_spm_t *spm = NULL;
    CHECK_OK(rgtg_spm_load(model, &spm));
    if (!spm) return;

    enum { PROMPTS = 60 };
    const char *responses[][2] = {
        {" A shelter for housing automobiles. It is a kind of outbuilding.", " A shop where cars are repaired."},
        {" To move fast by using one's feet.", " A small vessel for travel on water."},
    };
    rgtg_gold_item_t items[2 * PROMPTS];
    for (int i = 0; i < PROMPTS; i++)
        for (int s = 0; s < 2; s++)
            items[2 * i + s] =
                (rgtg_gold_item_t){100 + i, s, i % 2 ? "Define the word \"run\" (verb).\nDefinition:" : garage_prompt,
                                   responses[i % 2][s]};
    rgtg_gold_label_params_t lp = rgtg_gold_label_default_params();
    lp.seed = 9;
    lp.valid_fraction = lp.test_fraction = 0.2;
    rgtg_gold_write_params_t wp = rgtg_gold_write_default_params();
    wp.out_path = out;
    wp.tokenizer_path = model;
    wp.source_path = gens;
    rgtg_gold_labels_t labels;
    CHECK_OK(rgtg_gold_label_write(g, items, 2 * PROMPTS, &lp, &wp, &labels));
    rgtg_prefs_t *f = NULL;
    CHECK_OK(rgtg_prefs_open(out, &f));
    if (f) {
        const rgtg_prefs_info_t *info = rgtg_prefs_info(f);
        CHECK(rgtg_prefs_pair_count(f) == PROMPTS && labels.count == PROMPTS);
        CHECK(info->has_prefix && info->ratio == 2 && info->rows_read == 2 * PROMPTS);
        CHECK(strstr(info->options, "gold_label seed=9 bt_scale=1") && strstr(info->options, "gold=v1"));
        CHECK(!strncmp(info->source_files, gens, strlen(gens)) && info->source_files[strlen(gens)] == '\n' &&
              strstr(info->source_files, "data.noun\n")); /* the generations, then WordNet's files */
        CHECK(!strcmp(info->template_name, "define") && info->vocab_size == 80);
        int64_t held_out = rgtg_prefs_count(f, RGTG_SPLIT_VALID) + rgtg_prefs_count(f, RGTG_SPLIT_TEST);
        CHECK_MSG(held_out > 5 && held_out < 45, "held out %lld of 60", (long long)held_out);
        for (int64_t i = 0; i < rgtg_prefs_pair_count(f) && i < (int64_t)labels.count; i++) {
            const rgtg_gold_label_t *l = &labels.labels[i];
            rgtg_pref_pair_t pair;
            CHECK_OK(rgtg_prefs_get(f, i, &pair));
            CHECK(pair.split == l->split);
            const rgtg_gold_item_t *c = &items[l->a_chosen ? l->a : l->b], *r = &items[l->a_chosen ? l->b : l->a];
            tokenize_check(spm, c->response, &pair.chosen, "chosen");
            tokenize_check(spm, r->response, &pair.rejected, "rejected");
        }
        rgtg_prefs_close(f);
    }
    rgtg_gold_labels_free(&labels);

    /* failures: nothing at the output path */
    char bad_out[600];
    snprintf(bad_out, sizeof bad_out, "%s/bad.h5", dir);
    wp.out_path = bad_out;
    wp.tokenizer_path = "/nonexistent/tok.model";
    CHECK(rgtg_gold_label_write(g, items, 2 * PROMPTS, &lp, &wp, NULL) != RGTG_OK);
    rgtg_error_clear();
    CHECK(access(bad_out, F_OK) != 0);
    wp.tokenizer_path = model;
    CHECK(rgtg_gold_label_write(g, items, 1, &lp, &wp, NULL) == RGTG_ERR_INVALID); /* one row: no pair */
    CHECK(strstr(rgtg_error_message(), "no prompt has two different responses") != NULL);
    rgtg_error_clear();
    CHECK(access(bad_out, F_OK) != 0);
    rgtg_spm_free(spm);
}

int main(void) {
    char dir[] = "/tmp/rgtg_test_gold_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    write_gold_fixture(dir);
    rgtg_wordnet_t *db = NULL;
    rgtg_gold_t *gold = NULL;
    rgtg_gold_params_t params = rgtg_gold_default_params();
    CHECK_OK(rgtg_wordnet_load(dir, &db));
    if (db) CHECK_OK(rgtg_gold_create(db, &params, &gold));
    if (gold) {
        test_hand_computed(gold);
        test_degenerate(gold);
        test_errors(db, gold);
        test_bt_probability();
        test_label_frequencies(gold);
        test_pairing(gold);
        test_write(gold, dir);
    }
    rgtg_gold_free(gold);
    rgtg_wordnet_free(db);
    check_remove_dir(dir);
    return check_summary("test_gold");
}
