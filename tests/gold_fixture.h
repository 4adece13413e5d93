/* tests/gold_fixture.h: a small WordNet database in WordNet's file format, written by the gold and
 * define-long tests: the values those tests compute by hand depend on it. Header-only. */
#ifndef RGTG_TESTS_GOLD_FIXTURE_H
#define RGTG_TESTS_GOLD_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static void fixture_write_file(const char *dir, const char *name, const char *body) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fputs("  1 This software and database is being provided to you, the LICENSEE, by  \n", fp);
    fputs(body, fp);
    fclose(fp);
}

/* garage (noun) has two senses: the target (synonym carport, hypernym outbuilding, one example) and a
 * repair shop; run (verb) has a hypernym and examples; huge (adjective) is a satellite of big, whose
 * antonym is small; quickly (adverb) pertains to quick. */
static void write_gold_fixture(const char *dir) {
    fixture_write_file(dir, "data.noun",
               "00000100 06 n 01 outbuilding 0 000 | a building that is subordinate to a main building  \n"
               "00000200 06 n 02 garage 0 carport 0 001 @ 00000100 n 0000 | a shelter for housing automobiles; "
               "\"she parked in the garage\"  \n"
               "00000300 06 n 01 repair_shop 0 000 | a shop where vehicles are repaired  \n"
               "00000400 06 n 02 garage 1 service_department 0 001 @ 00000300 n 0000 | a shop where cars and trucks "
               "are serviced and repaired  \n"
               "00000500 06 n 01 boat 0 000 | a small vessel for travel on water  \n");
    fixture_write_file(dir, "index.noun",
               "boat n 1 0 1 0 00000500  \n"
               "carport n 1 0 1 0 00000200  \n"
               "garage n 2 1 @ 2 1 00000200 00000400  \n"
               "outbuilding n 1 0 1 0 00000100  \n"
               "repair_shop n 1 0 1 0 00000300  \n"
               "service_department n 1 0 1 0 00000400  \n");
    fixture_write_file(dir, "data.verb",
               "00001000 38 v 01 move 0 000 01 + 01 00 | change location  \n"
               "00001100 38 v 01 run 0 001 @ 00001000 v 0000 01 + 01 00 | move fast by using one's feet; \"he ran "
               "home\"  \n");
    fixture_write_file(dir, "data.adj",
               "00002000 00 a 01 big 0 001 ! 00002100 a 0101 | above average in size  \n"
               "00002100 00 a 01 small 0 001 ! 00002000 a 0101 | limited in size  \n"
               "00002200 00 s 01 huge 0 001 & 00002000 a 0000 | unusually great in size; \"a huge house\"  \n"
               "00002300 00 a 01 quick 0 000 | moving fast  \n");
    fixture_write_file(dir, "data.adv", "00003000 02 r 01 quickly 0 001 \\ 00002300 a 0101 | with speed  \n");
}

#endif
