/* tests/test_wordnet.c: unit tests of data/wordnet and data/template: the parser on small database
 * files written here in WordNet's format (license header, adjective markers, examples, verb frames,
 * index files), its errors, the "define" pairs and their determinism, and a sanity run on the real
 * database in /usr/share/wordnet when it is installed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/status.h"
#include "data/template.h"
#include "data/wordnet.h"

#include "check.h"

static const char *license =
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.  By obtaining, using  \n"
    "  3   \n";

static void write_file(const char *dir, const char *name, const char *body) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fputs(license, fp);
    fputs(body, fp);
    fclose(fp);
}

static void write_small_database(const char *dir) {
    write_file(dir, "data.noun",
               "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04424418 n 0000 | that which is "
               "perceived or known or inferred to have its own distinct existence (living or nonliving)  \n"
               "00002000 05 n 02 dog 0 domestic_dog 0 001 @ 00001740 n 0000 | a member of the genus Canis; \"the dog "
               "barked all night\"  \n"
               "00002100 05 n 01 cat 0 000 | feline mammal usually having thick soft fur; \"cats purr\"; \"a cat\"  \n"
               "00002200 05 n 01 tree 0 000 | a tall perennial woody plant  \n"
               "00002300 15 n 01 Paris 0 000 | the capital of France  \n"
               "00002400 04 n 02 run 0 tally 1 000 | a score in baseball  \n"
               "00002500 05 n 01 ox 0 000 | an adult castrated bull  \n");
    write_file(dir, "index.noun",
               "cat n 1 0 1 3 00002100  \n"
               "dog n 1 1 @ 1 5 00002000  \n"
               "domestic_dog n 1 0 1 0 00002000  \n"
               "entity n 1 1 ~ 1 1 00001740  \n"
               "ox n 1 0 1 1 00002500  \n"
               "paris n 1 0 1 1 00002300  \n"
               "run n 1 0 1 2 00002400  \n"
               "tally n 1 0 1 0 00002400  \n"
               "tree n 1 0 1 0 00002200  \n");
    write_file(dir, "data.verb",
               "00004000 29 v 01 breathe 0 001 * 00004100 v 0000 01 + 02 00 | draw air into the lungs; \"breathe "
               "deeply\"  \n"
               "00004100 38 v 01 walk 0 000 01 + 01 00 | use one's feet to advance  \n"
               "00004200 38 v 01 swim 0 000 01 + 01 00 | travel through water  \n"
               "00004300 38 v 01 run 0 000 01 + 01 00 | move fast by using one's feet  \n");
    write_file(dir, "data.adj",
               "00003000 00 a 02 big(a) 0 large 0 000 | above average in size; \"a big house\"  \n"
               "00003100 00 s 01 tiny(p) 0 001 & 00003000 a 0000 | very small  \n"
               "00003200 00 s 01 galore(ip) 0 000 | in abundance  \n");
    write_file(dir, "data.adv",
               "00005000 02 r 01 quickly 0 000 | with speed; \"she answered quickly\"  \n"
               "00005100 02 r 01 slowly 0 000 | without speed  \n");
}

static const rgtg_wordnet_synset_t *find_synset(const rgtg_wordnet_t *db, rgtg_pos_t pos, uint32_t offset) {
    for (size_t i = 0; i < rgtg_wordnet_synset_count(db); i++) {
        const rgtg_wordnet_synset_t *s = rgtg_wordnet_synset(db, i);
        if (s->pos == pos && s->offset == offset) return s;
    }
    return NULL;
}

static void test_template(void) {
    const rgtg_template_t *t = rgtg_template_find("define");
    CHECK(t != NULL);
    CHECK(rgtg_template_find("no such template") == NULL);
    if (!t) return;
    const char *keys[] = {"word", "pos"}, *values[] = {"dog", "noun"};
    char *text = NULL;
    CHECK_OK(rgtg_template_render(t, keys, values, 2, &text));
    CHECK(text && strcmp(text, "Define the word \"dog\" (noun).\nDefinition:") == 0);
    free(text);
    CHECK(rgtg_template_render(t, keys, values, 1, &text) == RGTG_ERR_INVALID);
    CHECK(strstr(rgtg_error_message(), "{pos}") != NULL);
    rgtg_error_clear();
    rgtg_template_t braces = {"braces", "{{literal}} {x}", " ", NULL};
    const char *k1[] = {"x"}, *v1[] = {"1"};
    CHECK_OK(rgtg_template_render(&braces, k1, v1, 1, &text));
    CHECK(text && strcmp(text, "{literal} 1") == 0);
    free(text);
    rgtg_template_t unclosed = {"unclosed", "a {x", " ", NULL};
    CHECK(rgtg_template_render(&unclosed, k1, v1, 1, &text) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK_OK(rgtg_template_response(t, "a dog", &text));
    CHECK(text && strcmp(text, " a dog") == 0);
    free(text);
}

static void test_parser(const char *dir) {
    rgtg_wordnet_t *db = NULL;
    CHECK_OK(rgtg_wordnet_load(dir, &db));
    if (!db) return;
    CHECK(rgtg_wordnet_synset_count(db) == 16);
    const rgtg_wordnet_synset_t *dog = find_synset(db, RGTG_POS_NOUN, 2000);
    CHECK(dog && dog->word_count == 2 && strcmp(dog->words[1], "domestic dog") == 0);
    CHECK(dog && strcmp(dog->definition, "a member of the genus Canis") == 0);
    CHECK(dog && strcmp(dog->gloss, "a member of the genus Canis; \"the dog barked all night\"") == 0);
    const rgtg_wordnet_synset_t *big = find_synset(db, RGTG_POS_ADJ, 3000);
    CHECK(big && big->ss_type == 'a' && strcmp(big->words[0], "big") == 0 && strcmp(big->words[1], "large") == 0);
    CHECK(big && strcmp(big->definition, "above average in size") == 0);
    const rgtg_wordnet_synset_t *tiny = find_synset(db, RGTG_POS_ADJ, 3100);
    CHECK(tiny && tiny->ss_type == 's' && strcmp(tiny->words[0], "tiny") == 0);
    const rgtg_wordnet_synset_t *galore = find_synset(db, RGTG_POS_ADJ, 3200);
    CHECK(galore && strcmp(galore->words[0], "galore") == 0);
    const rgtg_wordnet_synset_t *breathe = find_synset(db, RGTG_POS_VERB, 4000);
    CHECK(breathe && strcmp(breathe->definition, "draw air into the lungs") == 0);
    /* examples and pointers: resolved to synset indices, -1 where the target is not in the files */
    const rgtg_wordnet_synset_t *cat = find_synset(db, RGTG_POS_NOUN, 2100);
    CHECK(cat && cat->example_count == 2 && !strcmp(cat->examples[0], "cats purr") &&
          !strcmp(cat->examples[1], "a cat"));
    CHECK(dog && dog->example_count == 1 && !strcmp(dog->examples[0], "the dog barked all night"));
    CHECK(dog && dog->pointer_count == 1 && !strcmp(dog->pointers[0].symbol, "@") &&
          rgtg_wordnet_synset(db, (size_t)dog->pointers[0].target) == find_synset(db, RGTG_POS_NOUN, 1740));
    const rgtg_wordnet_synset_t *entity = find_synset(db, RGTG_POS_NOUN, 1740);
    CHECK(entity && entity->pointer_count == 3 && entity->pointers[0].target == -1 &&
          entity->pointers[0].target_offset == 1930 && !strcmp(entity->pointers[0].symbol, "~"));
    CHECK(tiny && tiny->pointer_count == 1 && !strcmp(tiny->pointers[0].symbol, "&") &&
          tiny->pointers[0].target_pos == RGTG_POS_ADJ &&
          rgtg_wordnet_synset(db, (size_t)tiny->pointers[0].target) == big);
    CHECK(breathe && breathe->pointer_count == 1 && !strcmp(breathe->pointers[0].symbol, "*") &&
          breathe->example_count == 1);
    CHECK(big && big->example_count == 1 && big->pointer_count == 0);
    /* lemma lookup: case-insensitive, by pos */
    int64_t run_noun = rgtg_wordnet_find_lemma(db, "Run", RGTG_POS_NOUN),
            run_verb = rgtg_wordnet_find_lemma(db, "run", RGTG_POS_VERB);
    CHECK(run_noun >= 0 && run_verb >= 0 && run_noun != run_verb);
    CHECK(run_noun >= 0 && rgtg_wordnet_lemma(db, (size_t)run_noun)->pos == RGTG_POS_NOUN);
    CHECK(rgtg_wordnet_find_lemma(db, "domestic dog", RGTG_POS_NOUN) >= 0 &&
          rgtg_wordnet_find_lemma(db, "zebra", RGTG_POS_NOUN) == -1);
    CHECK(rgtg_wordnet_find_lemma(db, "quickly", RGTG_POS_ADJ) == -1);
    /* Lemmas: 9 from index.noun, the others collected from the data files. */
    CHECK(rgtg_wordnet_lemma_count(db) == 9 + 4 + 4 + 2);
    int found_dog = 0;
    for (size_t i = 0; i < rgtg_wordnet_lemma_count(db); i++) {
        const rgtg_wordnet_lemma_t *l = rgtg_wordnet_lemma(db, i);
        if (l->pos == RGTG_POS_NOUN && strcmp(l->lemma, "dog") == 0) {
            found_dog = 1;
            CHECK(l->from_index && l->tagged_count == 5 && l->sense_count == 1);
            CHECK(rgtg_wordnet_synset(db, (size_t)l->senses[0]) == dog);
        }
        if (l->pos == RGTG_POS_ADJ) CHECK(!l->from_index);
    }
    CHECK(found_dog);
    CHECK(rgtg_wordnet_source_count(db) == 5); /* four data files and index.noun */

    rgtg_wordnet_pair_params_t params = rgtg_wordnet_pair_default_params();
    params.seed = 11;
    rgtg_wordnet_pairs_t pairs, again;
    CHECK_OK(rgtg_wordnet_make_pairs(db, &params, &pairs));
    CHECK_OK(rgtg_wordnet_make_pairs(db, &params, &again));
    CHECK(pairs.count == 13);
    CHECK(pairs.lemmas_read == 19);
    int64_t expected_drops[RGTG_WORDNET_DROP_COUNT] = {1, 1, 2, 1, 1, 0, 0};
    for (int r = 0; r < RGTG_WORDNET_DROP_COUNT; r++) {
        if (pairs.drop_counts[r] != expected_drops[r])
            fprintf(stderr, "drop %s: %lld, expected %lld\n", pairs.drop_reasons[r], (long long)pairs.drop_counts[r],
                    (long long)expected_drops[r]);
        CHECK(pairs.drop_counts[r] == expected_drops[r]);
    }
    CHECK(strcmp(pairs.drop_reasons[RGTG_WORDNET_DROP_LONG_DEFINITION], "long_definition") == 0);
    CHECK(pairs.template_text && strcmp(pairs.template_name, "define") == 0);
    int saw_run = 0;
    for (size_t i = 0; i < pairs.count; i++) {
        const rgtg_wordnet_pair_t *p = &pairs.pairs[i];
        CHECK(strcmp(p->chosen_text, p->rejected_text) != 0);
        CHECK(p->chosen_text[0] == ' ' && p->rejected_text[0] == ' ');
        const rgtg_wordnet_synset_t *rej = rgtg_wordnet_synset(db, (size_t)p->rejected_synset);
        const rgtg_wordnet_synset_t *cho = rgtg_wordnet_synset(db, (size_t)p->chosen_synset);
        CHECK(rej->pos == p->pos && cho->pos == p->pos);
        for (int w = 0; w < rej->word_count; w++) CHECK(strcasecmp(rej->words[w], p->word) != 0);
        CHECK(strcmp(p->chosen_text + 1, cho->definition) == 0);
        char expected_prompt[256];
        snprintf(expected_prompt, sizeof expected_prompt, "Define the word \"%s\" (%s).\nDefinition:", p->word,
                 rgtg_pos_name(p->pos));
        CHECK(strcmp(p->prompt_text, expected_prompt) == 0);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(pairs.pairs[j].word, p->word) != 0);
        if (strcmp(p->word, "run") == 0) {
            saw_run = 1;
            CHECK(p->pos == RGTG_POS_NOUN); /* tagged noun beats the untagged verb */
        }
        if (strcmp(p->word, "quickly") == 0) CHECK(strcmp(p->rejected_text, " without speed") == 0);
        CHECK(strcmp(p->word, "tree") != 0 && strcmp(p->word, "entity") != 0 && strcmp(p->word, "ox") != 0);
        /* determinism */
        CHECK(i < again.count && strcmp(again.pairs[i].word, p->word) == 0 &&
              strcmp(again.pairs[i].rejected_text, p->rejected_text) == 0);
    }
    CHECK(saw_run);
    rgtg_wordnet_pairs_free(&again);

    /* max_pairs keeps the most tagged words. */
    params.max_pairs = 2;
    CHECK_OK(rgtg_wordnet_make_pairs(db, &params, &again));
    CHECK(again.count == 2 && again.drop_counts[RGTG_WORDNET_DROP_OVER_MAX_PAIRS] == 11);
    for (size_t i = 0; i < again.count; i++)
        CHECK(strcmp(again.pairs[i].word, "dog") == 0 || strcmp(again.pairs[i].word, "cat") == 0);
    rgtg_wordnet_pairs_free(&again);
    params.template_name = "nope";
    CHECK(rgtg_wordnet_make_pairs(db, &params, &again) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    rgtg_wordnet_pairs_free(&pairs);
    rgtg_wordnet_free(db);
}

static void test_parser_errors(const char *dir) {
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad", dir);
    mkdir(bad, 0755);
    write_file(bad, "data.noun", "00001740 03 n 01 entity 0 000 | a thing  \n00001800 03 n 05 thing 0 000 | an object  \n");
    write_file(bad, "data.verb", "");
    write_file(bad, "data.adj", "");
    rgtg_wordnet_t *db = NULL;
    /* data.adv is missing */
    CHECK(rgtg_wordnet_load(bad, &db) != RGTG_OK && db == NULL);
    rgtg_error_clear();
    write_file(bad, "data.adv", "");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT && db == NULL);
    CHECK(strstr(rgtg_error_message(), "bad/data.noun:5") != NULL);
    fprintf(stderr, "expected error: %s\n", rgtg_error_message());
    rgtg_error_clear();
    write_file(bad, "data.noun", "00001740 03 v 01 entity 0 000 | a thing  \n");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT);
    CHECK(strstr(rgtg_error_message(), "data.noun:4:13: ss_type 'v'") != NULL);
    rgtg_error_clear();
    write_file(bad, "data.noun", "00001740 03 n 01 entity 0 000 | a thing  \n");
    write_file(bad, "index.noun", "entity n 1 0 1 0 00009999  \n");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT);
    CHECK(strstr(rgtg_error_message(), "index.noun:4: synset 00009999 is not in data.noun") != NULL);
    rgtg_error_clear();
    char index_path[600];
    snprintf(index_path, sizeof index_path, "%s/index.noun", bad);
    unlink(index_path);
    write_file(bad, "data.noun", "00001740 03 n 01 entity 0 001 @ 0001930 n 0000 | a thing  \n");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT);
    fprintf(stderr, "expected error: %s\n", rgtg_error_message());
    CHECK(strstr(rgtg_error_message(), "data.noun:4:31: pointer 1 is not \"symbol offset pos source/target\"") != NULL);
    rgtg_error_clear();
    write_file(bad, "data.noun", "00001740 03 n 01 entity 0 001 @ 00001930 x 0000 | a thing  \n");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT);
    rgtg_error_clear();
    write_file(bad, "data.noun", "00001740 03 n 01 entity 0 002 @ 00001930 n 0000 | a thing  \n");
    CHECK(rgtg_wordnet_load(bad, &db) == RGTG_ERR_FORMAT);
    CHECK(strstr(rgtg_error_message(), "2 pointers announced, the line ends early") != NULL);
    rgtg_error_clear();
}

static void test_real_database(void) {
    const char *dir = "/usr/share/wordnet";
    if (access("/usr/share/wordnet/data.noun", R_OK) != 0) {
        printf("skipped: %s/data.noun is not installed (Debian package wordnet-base)\n", dir);
        return;
    }
    rgtg_wordnet_t *db = NULL;
    CHECK_OK(rgtg_wordnet_load(dir, &db));
    if (!db) return;
    CHECK(rgtg_wordnet_synset_count(db) > 100000);
    rgtg_wordnet_pair_params_t params = rgtg_wordnet_pair_default_params();
    params.max_pairs = 0;
    rgtg_wordnet_pairs_t all;
    CHECK_OK(rgtg_wordnet_make_pairs(db, &params, &all));
    CHECK(all.count > 1000);
    printf("real WordNet: %zu synsets, %zu lemmas, %zu pairs possible\n", rgtg_wordnet_synset_count(db),
           rgtg_wordnet_lemma_count(db), all.count);
    rgtg_wordnet_pairs_free(&all);
    params = rgtg_wordnet_pair_default_params();
    rgtg_wordnet_pairs_t pairs;
    CHECK_OK(rgtg_wordnet_make_pairs(db, &params, &pairs));
    CHECK(pairs.count == params.max_pairs);
    int pos_seen[RGTG_POS_COUNT] = {0};
    for (size_t i = 0; i < pairs.count; i++) {
        const rgtg_wordnet_pair_t *p = &pairs.pairs[i];
        size_t c = strlen(p->chosen_text), r = strlen(p->rejected_text);
        CHECK(c > 1 && c <= params.max_definition_chars + 1 && r > 1 && r <= params.max_definition_chars + 1);
        CHECK(strcmp(p->chosen_text, p->rejected_text) != 0);
        const rgtg_wordnet_synset_t *rej = rgtg_wordnet_synset(db, (size_t)p->rejected_synset);
        for (int w = 0; w < rej->word_count; w++) CHECK(strcasecmp(rej->words[w], p->word) != 0);
        pos_seen[p->pos] = 1;
    }
    for (int pos = 0; pos < RGTG_POS_COUNT; pos++) CHECK(pos_seen[pos]);
    if (pairs.count > 0)
        printf("example: %s%s  |  rejected:%s\n", pairs.pairs[0].prompt_text, pairs.pairs[0].chosen_text,
               pairs.pairs[0].rejected_text);
    rgtg_wordnet_pairs_free(&pairs);
    rgtg_wordnet_free(db);
}

int main(void) {
    char dir[] = "/tmp/rgtg_test_wordnet_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    write_small_database(dir);
    test_template();
    test_parser(dir);
    test_parser_errors(dir);
    test_real_database();
    check_remove_dir(dir);
    return check_summary("test_wordnet");
}
