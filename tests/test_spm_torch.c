/* tests/test_spm_torch.c: SentencePiece and libtorch in one process. libsentencepiece exports its own
 * protobuf 3.14 and libtorch links the system's 3.21; linked together they crash at start-up, so
 * spm.c dlopen()s librgtg_spm.so in isolation. This test links libtorch (through
 * test_spm_torch_helper.cpp), uses it, trains/loads/encodes with spm, and uses libtorch again.
 * Usage: test_spm_torch (librgtg_spm.so beside it, in ../core/spm/, or named by $RGTG_SPM_LIB). */
#define _GNU_SOURCE /* mkdtemp */
#include "../core/spm/spm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

double rgtg_test_torch_arange_sum(int n); /* test_spm_torch_helper.cpp */

/* Whether a loaded object whose path contains name appears in this process's memory map. */
static int process_maps(const char *name) {
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps) != NULL) found = strstr(line, name) != NULL;
    fclose(maps);
    return found;
}

static int write_corpus(const char *path) {
    static const char *const words[] = {"river", "bread", "café", "résumé", "morning", "quiet", "engineer",
                                        "jazz", "oxygen", "puzzle", "bridge", "letter", "中文", "中国",
                                        "seven", "market", "window", "garden", "yellow", "fox"};
    FILE *file = fopen(path, "w");
    if (file == NULL) return 0;
    unsigned long state = 2024;
    for (int line = 0; line < 300; line++) {
        int length = 4 + line % 9;
        for (int w = 0; w < length; w++) {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            fprintf(file, "%s%s", w == 0 ? "" : " ", words[(state >> 33) % 20]);
        }
        fprintf(file, " %d.\n", line);
    }
    return fclose(file) == 0;
}

int main(void) {
    CHECK_MSG(rgtg_test_torch_arange_sum(10) == 45.0, "libtorch before spm: %g", rgtg_test_torch_arange_sum(10));

    char folder[] = "/tmp/rgtg_test_spm_torch_XXXXXX";
    if (mkdtemp(folder) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char corpus[256], model[256];
    snprintf(corpus, sizeof corpus, "%s/corpus.txt", folder);
    snprintf(model, sizeof model, "%s/torch and spm.model", folder);
    CHECK_MSG(write_corpus(corpus), "cannot write %s", corpus);

    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = 310; /* 50 pieces besides the 260 that byte fallback and the specials take */
    params.character_coverage = 1.0;
    CHECK_MSG(rgtg_spm_train(corpus, model, &params) == RGTG_OK, "train");
    rgtg_spm_t *spm = NULL;
    CHECK_MSG(rgtg_spm_load(model, &spm) == RGTG_OK, "load %s", model);
    if (spm != NULL) {
        CHECK_MSG(rgtg_spm_vocab_size(spm) == 310 && rgtg_spm_bos_id(spm) == 1 && rgtg_spm_eos_id(spm) == 2 &&
                      rgtg_spm_pad_id(spm) == 3 && rgtg_spm_unk_id(spm) == 0,
                  "vocab %d, special ids %d %d %d %d", rgtg_spm_vocab_size(spm), rgtg_spm_unk_id(spm),
                  rgtg_spm_bos_id(spm), rgtg_spm_eos_id(spm), rgtg_spm_pad_id(spm));
        const char *sentence = "quiet jazz in a café near a yellow 中国 garden.";
        int32_t *ids = NULL;
        size_t count = 0;
        char *text = NULL;
        CHECK_MSG(rgtg_spm_encode(spm, sentence, strlen(sentence), &ids, &count) == RGTG_OK && count > 0, "encode");
        CHECK_MSG(rgtg_spm_decode(spm, ids, count, &text) == RGTG_OK && strcmp(text, sentence) == 0,
                  "round trip -> \"%s\"", text ? text : "NULL");
        free(ids);
        free(text);
        rgtg_spm_free(spm);
    }

    /* Both protobufs really are in this process: libtorch's (libprotobuf.so.32) and SentencePiece's. */
    CHECK_MSG(process_maps("libprotobuf.so"), "libtorch's protobuf is not loaded");
    CHECK_MSG(process_maps("libsentencepiece.so"), "libsentencepiece is not loaded");
    CHECK_MSG(process_maps("libtorch_cpu.so"), "libtorch_cpu is not loaded");
    CHECK_MSG(rgtg_test_torch_arange_sum(100) == 4950.0, "libtorch after spm: %g", rgtg_test_torch_arange_sum(100));

    if (failures == 0) check_remove_dir(folder);
    if (failures != 0) {
        fprintf(stderr, "test_spm_torch: %d failure(s); files kept in %s\n", failures, folder);
        return 1;
    }
    printf("test_spm_torch: all checks passed\n");
    return 0;
}
