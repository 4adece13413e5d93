/* eval/table_stage.c: the results-table stage (see table_stage.h). */
#include "table_stage.h"

#include <stdlib.h>

#include "../core/generations.h"
#include "table.h"

rgtg_table_stage_params_t rgtg_table_stage_default_params(void) { return (rgtg_table_stage_params_t){0}; }

rgtg_status_t rgtg_table_stage_run(const rgtg_table_stage_params_t *p, FILE *print) {
    if (p->gens_count < 1) return rgtg_error_set(RGTG_ERR_INVALID, "table: at least one generations file is needed");
    rgtg_table_t table = {0};
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < p->gens_count; i++) {
        rgtg_generation_t *rows;
        size_t count;
        st = rgtg_gen_read(p->gens[i], &rows, &count);
        if (st == RGTG_OK) {
            st = rgtg_table_add_generations(&table, rows, count);
            rgtg_gen_free(rows, count);
        }
    }
    for (int i = 0; st == RGTG_OK && i < p->out_count; i++) {
        rgtg_table_format_t format;
        st = rgtg_table_format_from_path(p->outs[i], &format);
        if (st == RGTG_OK) st = rgtg_table_write(&table, p->outs[i], format);
    }
    char *text = NULL;
    if (st == RGTG_OK && print) st = rgtg_table_render(&table, RGTG_TABLE_MARKDOWN, &text);
    if (st == RGTG_OK && print) fputs(text, print);
    free(text);
    rgtg_table_free(&table);
    return st;
}
