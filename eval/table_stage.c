/* eval/table_stage.c: the results-table stage (see table_stage.h). */
#include "table_stage.h"

#include <stdlib.h>
#include <string.h>

#include "../core/generations.h"
#include "table.h"

rgtg_table_stage_params_t rgtg_table_stage_default_params(void) { return (rgtg_table_stage_params_t){0}; }

rgtg_status_t rgtg_table_stage_run(const rgtg_table_stage_params_t *p, FILE *print) {
    if (p->gens_count < 1) return rgtg_error_set(RGTG_ERR_INVALID, "table: at least one generations file is needed");
    rgtg_table_t table = {0};
    rgtg_status_t st = RGTG_OK;
    /* every file's rows in one grouping, so that two setups of one method are told apart by label */
    rgtg_generation_t *all = NULL;
    size_t total = 0;
    for (int i = 0; st == RGTG_OK && i < p->gens_count; i++) {
        rgtg_generation_t *rows;
        size_t count;
        st = rgtg_gen_read(p->gens[i], &rows, &count);
        rgtg_generation_t *grown = st == RGTG_OK ? realloc(all, sizeof *all * (total + count + 1)) : NULL;
        if (st == RGTG_OK && !grown) {
            rgtg_gen_free(rows, count);
            st = rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory");
        } else if (st == RGTG_OK) {
            all = grown;
            memcpy(all + total, rows, sizeof *rows * count); /* the rows' strings move with them */
            total += count;
            free(rows);
        }
    }
    /* a named reward stands in for the plain one (rows without it show none, which the table refuses
     * when only some rows of a line lack it) */
    size_t with_named = 0;
    for (size_t i = 0; st == RGTG_OK && p->reward && i < total; i++) {
        double value;
        all[i].has_reward = rgtg_gen_reward_value(&all[i], p->reward, &value, NULL);
        if (all[i].has_reward) all[i].reward = value, with_named++;
    }
    if (st == RGTG_OK && p->reward && with_named == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "table: no row has the reward '%s'", p->reward);
    if (st == RGTG_OK) st = rgtg_table_add_generations(&table, all, total);
    rgtg_gen_free(all, total);
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
