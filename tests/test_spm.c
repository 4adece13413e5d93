/* tests/test_spm.c: SentencePiece through spm.h: trains unigram and BPE models on a generated corpus,
 * then checks special ids, round trips (ASCII and UTF-8), piece lookups, reproducibility by seed,
 * and the errors for missing and garbage models, bad ids and bad training parameters.
 * Usage: test_spm (librgtg_spm.so beside it, in ../core/spm/, or named by $RGTG_SPM_LIB). */
#define _GNU_SOURCE /* mkdtemp */
#include "../core/spm/spm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

/* 296 pieces besides the 256 byte pieces and 4 specials that byte fallback (on by default) takes. */
#define TEST_VOCAB 556
#define TEST_VOCAB_TEXT "556"

static const char *const round_trip_sentences[] = {
    "The quick brown fox jumps over the lazy dog.",
    "A small café near the river sells fresh bread every morning.",
    "Élodie wrote a résumé in 2023 and sent it to 7 companies.",
    "中文 is the word for Chinese, and 中国 means China.",
    "Why would the careful reviewer reject 42 proposals?",
    "zebra, jazz, quiz, and oxygen",
};

/* A deterministic English-like corpus (with a few accented and CJK words) of `lines` lines. */
static int write_corpus(const char *path, int lines) {
    static const char *const subjects[] = {"The old teacher", "A young engineer", "My neighbour", "The careful reviewer",
                                           "Élodie", "Our committee", "The tired student", "A curious child",
                                           "The café owner", "Every zebra", "The jazz band", "A quiet programmer"};
    static const char *const verbs[] = {"reads", "writes", "builds", "rejects", "explains", "draws", "sells",
                                        "bakes", "quizzes", "jumps over", "remembers", "fixes"};
    static const char *const objects[] = {"a long letter", "the new bridge", "fresh bread", "seven proposals",
                                          "a résumé", "the lazy dog", "an oxygen tank", "the quick brown fox",
                                          "a difficult puzzle", "the word 中文", "a map of 中国", "twelve boxes"};
    static const char *const tails[] = {"every morning.", "near the river.", "before lunch!", "in 2023.",
                                        "with great care.", "for 42 minutes?", "and then sleeps.",
                                        "because it is Friday.", "without a single mistake.", "at the café, again."};
    static const char *const syllables[] = {"ka", "lo", "mer", "tin", "sa", "vel", "dru", "po", "quin", "ra",
                                            "shi", "bel", "gor", "an", "te", "wy", "fe", "zu", "nor", "cla"};
    FILE *file = fopen(path, "w");
    if (file == NULL) return 0;
    unsigned long state = 12345;
    for (int i = 0; i < lines; i++) {
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        unsigned long r = state >> 17;
        /* an invented place name of two or three syllables keeps the corpus from being too repetitive */
        char place[32] = "";
        for (unsigned long k = 0, n = 2 + (r >> 30) % 2; k < n; k++)
            strcat(place, syllables[(r >> (33 + 5 * k)) % 20]);
        place[0] = (char)(place[0] - 'a' + 'A');
        fprintf(file, "%s %s %s in %s %s", subjects[r % 12], verbs[(r / 12) % 12], objects[(r / 144) % 12], place,
                tails[(r / 1728) % 10]);
        if (i % 7 == 0) fprintf(file, " Number %lu, then %lu.", (r / 17280) % 1000, i * 3UL);
        if (i % 11 == 0) fprintf(file, " %s", round_trip_sentences[(i / 11) % 6]);
        fputc('\n', file);
    }
    return fclose(file) == 0;
}

static char *join(const char *folder, const char *name) {
    size_t size = strlen(folder) + strlen(name) + 2;
    char *path = malloc(size);
    snprintf(path, size, "%s/%s", folder, name);
    return path;
}

/* Same pieces in the same order (the model files themselves differ: they record the trainer's
 * temporary output prefix). */
static int same_pieces(const char *model_a, const char *model_b) {
    rgtg_spm_t *a = NULL, *b = NULL;
    int same = rgtg_spm_load(model_a, &a) == RGTG_OK && rgtg_spm_load(model_b, &b) == RGTG_OK &&
               rgtg_spm_vocab_size(a) == rgtg_spm_vocab_size(b);
    for (int id = 0; same && id < rgtg_spm_vocab_size(a); id++)
        same = strcmp(rgtg_spm_id_to_piece(a, id), rgtg_spm_id_to_piece(b, id)) == 0;
    rgtg_spm_free(a);
    rgtg_spm_free(b);
    return same;
}

/* Only the models themselves may remain: no .vocab, no temporary prefix files. */
static void check_folder_holds_only_models(const char *folder) {
    DIR *dir = opendir(folder);
    CHECK_MSG(dir != NULL, "cannot list %s", folder);
    if (dir == NULL) return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        size_t length = strlen(name);
        if (name[0] == '.') continue;
        CHECK_MSG(length > 6 && strcmp(name + length - 6, ".model") == 0 && strstr(name, ".tmp") == NULL,
                  "unexpected file %s/%s after training", folder, name);
    }
    closedir(dir);
}

static void check_model(const char *model_path, const char *label) {
    rgtg_spm_t *spm = NULL;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_load(model_path, &spm) == RGTG_OK, "%s: load %s", label, model_path);
    if (spm == NULL) return;

    CHECK_MSG(rgtg_spm_vocab_size(spm) == TEST_VOCAB, "%s: vocab size %d", label, rgtg_spm_vocab_size(spm));
    CHECK_MSG(rgtg_spm_unk_id(spm) == 0, "%s: unk id %d", label, rgtg_spm_unk_id(spm));
    CHECK_MSG(rgtg_spm_bos_id(spm) == 1, "%s: bos id %d", label, rgtg_spm_bos_id(spm));
    CHECK_MSG(rgtg_spm_eos_id(spm) == 2, "%s: eos id %d", label, rgtg_spm_eos_id(spm));
    CHECK_MSG(rgtg_spm_pad_id(spm) == 3, "%s: pad id %d", label, rgtg_spm_pad_id(spm));
    const char *expected_specials[] = {"<unk>", "<s>", "</s>", "<pad>"};
    for (int id = 0; id < 4; id++) {
        const char *piece = rgtg_spm_id_to_piece(spm, id);
        CHECK_MSG(piece != NULL && strcmp(piece, expected_specials[id]) == 0, "%s: piece %d is %s", label, id,
                  piece ? piece : "NULL");
    }

    for (int id = 0; id < rgtg_spm_vocab_size(spm); id++) {
        const char *piece = rgtg_spm_id_to_piece(spm, id);
        CHECK_MSG(piece != NULL && rgtg_spm_piece_to_id(spm, piece) == id, "%s: id %d -> %s -> %d", label, id,
                  piece ? piece : "NULL", piece ? rgtg_spm_piece_to_id(spm, piece) : -1);
    }
    CHECK_MSG(rgtg_spm_id_to_piece(spm, -1) == NULL, "%s: piece of id -1", label);
    CHECK_MSG(rgtg_spm_id_to_piece(spm, TEST_VOCAB) == NULL, "%s: piece of id %d", label, TEST_VOCAB);
    CHECK_MSG(rgtg_spm_piece_to_id(spm, "no-such-piece-anywhere") == 0, "%s: unknown piece id", label);

    for (size_t s = 0; s < sizeof round_trip_sentences / sizeof round_trip_sentences[0]; s++) {
        const char *sentence = round_trip_sentences[s];
        int32_t *ids = NULL;
        size_t count = 0;
        rgtg_error_clear();
        CHECK_MSG(rgtg_spm_encode(spm, sentence, strlen(sentence), &ids, &count) == RGTG_OK, "%s: encode \"%s\"", label,
                  sentence);
        CHECK_MSG(count > 0 && count < strlen(sentence), "%s: %zu ids for \"%s\"", label, count, sentence);
        for (size_t i = 0; i < count; i++)
            CHECK_MSG(ids[i] != 0 && ids[i] > 3, "%s: id %d (unk or control) in \"%s\"", label, ids[i], sentence);
        char *text = NULL;
        CHECK_MSG(rgtg_spm_decode(spm, ids, count, &text) == RGTG_OK, "%s: decode", label);
        CHECK_MSG(text != NULL && strcmp(text, sentence) == 0, "%s: round trip \"%s\" -> \"%s\"", label, sentence,
                  text ? text : "NULL");
        free(text);

        /* bos, eos and pad around and inside the ids are dropped by decode */
        int32_t *framed = malloc((count + 4) * sizeof *framed);
        framed[0] = 1;
        framed[1] = ids[0];
        framed[2] = 3;
        memcpy(framed + 3, ids + 1, (count - 1) * sizeof *ids);
        framed[count + 2] = 2;
        framed[count + 3] = 3;
        text = NULL;
        CHECK_MSG(rgtg_spm_decode(spm, framed, count + 4, &text) == RGTG_OK, "%s: decode with control ids", label);
        CHECK_MSG(text != NULL && strcmp(text, sentence) == 0, "%s: control ids not skipped: \"%s\"", label,
                  text ? text : "NULL");
        free(text);
        free(framed);
        free(ids);
    }

    /* The encoder only sees len bytes. */
    int32_t *ids = NULL;
    size_t count = 0;
    char *text = NULL;
    CHECK_MSG(rgtg_spm_encode(spm, "jazz band", 4, &ids, &count) == RGTG_OK, "%s: encode prefix", label);
    CHECK_MSG(rgtg_spm_decode(spm, ids, count, &text) == RGTG_OK && strcmp(text, "jazz") == 0, "%s: prefix -> \"%s\"",
              label, text ? text : "NULL");
    free(ids);
    free(text);
    text = NULL;
    CHECK_MSG(rgtg_spm_encode(spm, "", 0, &ids, &count) == RGTG_OK && count == 0, "%s: empty text gives %zu ids", label,
              count);
    free(ids);
    CHECK_MSG(rgtg_spm_decode(spm, NULL, 0, &text) == RGTG_OK && text != NULL && text[0] == '\0', "%s: empty decode",
              label);
    free(text);

    int32_t bad_ids[] = {5, TEST_VOCAB, 6};
    text = NULL;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_decode(spm, bad_ids, 3, &text) == RGTG_ERR_INVALID, "%s: id %d accepted", label, TEST_VOCAB);
    CHECK_MSG(text == NULL && strstr(rgtg_error_message(), TEST_VOCAB_TEXT) != NULL, "%s: message \"%s\"", label,
              rgtg_error_message());
    int32_t negative_ids[] = {-1};
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_decode(spm, negative_ids, 1, &text) == RGTG_ERR_INVALID, "%s: id -1 accepted", label);
    rgtg_error_clear();
    rgtg_spm_free(spm);
}

int main(void) {
    char folder[] = "/tmp/rgtg_test_spm_XXXXXX";
    if (mkdtemp(folder) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    /* Spaces in every path: the shim must not split arguments. */
    char *model_folder = join(folder, "my models");
    CHECK_MSG(mkdir(model_folder, 0700) == 0, "mkdir %s", model_folder);
    char *corpus = join(folder, "corpus file.txt");
    CHECK_MSG(write_corpus(corpus, 400), "cannot write %s", corpus);

    char *unigram = join(model_folder, "uni gram.model");
    char *bpe = join(model_folder, "bpe.model");
    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = TEST_VOCAB;
    params.character_coverage = 1.0;
    params.threads = 2;
    params.model_type = "unigram";
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, unigram, &params) == RGTG_OK, "train unigram");
    params.model_type = "bpe";
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, bpe, &params) == RGTG_OK, "train bpe");
    check_model(unigram, "unigram");
    check_model(bpe, "bpe");

    /* Sampling 150 of 400 lines with one seed twice gives the same pieces. (SentencePiece 0.1.97
     * samples the same lines whatever the seed, so a different seed is not expected to differ.) */
    char *seeded_a = join(model_folder, "seeded a.model");
    char *seeded_b = join(model_folder, "seeded b.model");
    params.model_type = "unigram";
    params.vocab_size = TEST_VOCAB - 100;
    params.input_sentence_size = 150;
    params.seed = 77;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, seeded_a, &params) == RGTG_OK, "train seeded a");
    CHECK_MSG(rgtg_spm_train(corpus, seeded_b, &params) == RGTG_OK, "train seeded b");
    CHECK_MSG(same_pieces(seeded_a, seeded_b), "seed 77 twice gave different pieces");
    /* Training again onto an existing path (all 400 lines this time) replaces it. */
    params.input_sentence_size = 0;
    CHECK_MSG(rgtg_spm_train(corpus, seeded_b, &params) == RGTG_OK, "retrain onto existing file");
    CHECK_MSG(!same_pieces(seeded_a, seeded_b), "retraining without sampling did not replace the model");
    check_folder_holds_only_models(model_folder);

    /* Errors. */
    char *missing = join(folder, "no such.model");
    rgtg_spm_t *spm = (rgtg_spm_t *)&failures; /* must be reset to NULL on failure */
    rgtg_error_clear();
    rgtg_status_t status = rgtg_spm_load(missing, &spm);
    CHECK_MSG(status == RGTG_ERR_IO, "missing model gave status %d", status);
    CHECK_MSG(spm == NULL, "out not reset on failure");
    CHECK_MSG(strstr(rgtg_error_message(), missing) != NULL, "message lacks path: %s", rgtg_error_message());

    char *garbage = join(folder, "garbage.model");
    FILE *file = fopen(garbage, "wb");
    for (int i = 0; i < 4096; i++) fputc((i * 131 + 7) & 0xff, file);
    fclose(file);
    rgtg_error_clear();
    status = rgtg_spm_load(garbage, &spm);
    CHECK_MSG(status != RGTG_OK && spm == NULL, "garbage model gave status %d", status);
    CHECK_MSG(strstr(rgtg_error_message(), garbage) != NULL, "message lacks path: %s", rgtg_error_message());
    printf("garbage model error: %s\n", rgtg_error_message());

    char *empty = join(folder, "empty.model");
    fclose(fopen(empty, "wb"));
    rgtg_error_clear();
    status = rgtg_spm_load(empty, &spm);
    CHECK_MSG(status != RGTG_OK && spm == NULL, "empty model gave status %d", status);
    printf("empty model error: %s\n", rgtg_error_message());

    char *never = join(model_folder, "never.model");
    char *no_corpus = join(folder, "no corpus.txt");
    params = rgtg_spm_train_default_params();
    params.vocab_size = TEST_VOCAB;
    rgtg_error_clear();
    status = rgtg_spm_train(no_corpus, never, &params);
    CHECK_MSG(status != RGTG_OK && strstr(rgtg_error_message(), no_corpus) != NULL, "missing corpus: status %d",
              status);
    printf("missing corpus error: %s\n", rgtg_error_message());
    params.vocab_size = 100000; /* far more pieces than the corpus holds */
    rgtg_error_clear();
    status = rgtg_spm_train(corpus, never, &params);
    CHECK_MSG(status != RGTG_OK, "vocab 100000 on a tiny corpus succeeded");
    printf("oversized vocab error: %s\n", rgtg_error_message());
    params.vocab_size = TEST_VOCAB;
    params.model_type = "word piece";
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID, "model_type \"word piece\" accepted");
    params.model_type = "unigram";
    params.vocab_size = 4;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID, "vocab_size 4 accepted");
    params.vocab_size = TEST_VOCAB;
    params.character_coverage = 0.0;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID, "character_coverage 0 accepted");
    params.character_coverage = 1.0;
    params.input_sentence_size = 50;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID, "input_sentence_size 50 accepted");
    params.input_sentence_size = 0;
    char *comma = join(folder, "a,b.txt");
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(comma, never, &params) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), comma) != NULL,
              "comma in the corpus path accepted");
    free(comma);
    CHECK_MSG(access(never, F_OK) != 0, "a failed training left %s", never);
    rgtg_error_clear();
    check_folder_holds_only_models(model_folder);

    if (failures == 0) check_remove_dir(folder);
    free(model_folder), free(corpus), free(unigram), free(bpe), free(seeded_a), free(seeded_b);
    free(missing), free(garbage), free(empty), free(never), free(no_corpus);
    if (failures != 0) {
        fprintf(stderr, "test_spm: %d failure(s); files kept in %s\n", failures, folder);
        return 1;
    }
    printf("test_spm: all checks passed\n");
    return 0;
}
