/* decode/run.h: the decode stage: `rgtg decode` in one call. It resolves the settings (defaults, a
 * YAML file, then the command line's), reads the prompts, opens and checks every model the method
 * needs, decodes (prompts sharded over mpirun ranks; Best-of-N samples ranked by the scorer) and has
 * rank 0 write one generations file in prompt order (core/GENERATIONS.md). Every check runs before
 * any decoding, and nothing is written unless the whole run succeeds. */
#ifndef RGTG_DECODE_RUN_H
#define RGTG_DECODE_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/status.h"
#include "prompts.h"

#define RGTG_DECODE_MAX_SETTINGS 32

typedef struct {
    const char *lm_dir;       /* the language model (Hugging Face layout with tokenizer.json or tokenizer.model); required */
    const char *rm_dir;       /* the guide reward model (args, pargs) or the Best-of-N scorer (bon) */
    const char *value_dir;    /* the value model (cd) */
    const char *prompts_path; /* a JSONL of {"id", "prompt", "reference"?}; or else load_prompts: */
    rgtg_prompt_loader_fn load_prompts; /* another source (tools/ reads a prefs.h5 split) */
    void *load_ctx;
    rgtg_prompt_render_fn render; /* applied to every JSONL prompt (a template); NULL: the text as is */
    void *render_ctx;
    const char *config_path;  /* YAML of settings (configs/decode/NAME.yaml); NULL: none */
    const char *out_path;     /* the generations JSONL; required */
    bool use_cache;           /* false: the no-cache reference path */
    /* Settings as text, applied over the YAML's in this order: "method", "split", "max_new_tokens",
     * "batch", "seed", "threads", "limit", "n", and any parameter of the method ("k", "beta", ...;
     * '-' is read as '_'). A parameter the method lacks is refused here; in the YAML it is ignored
     * (one file serves several methods). */
    int setting_count;
    const char *setting_names[RGTG_DECODE_MAX_SETTINGS];
    const char *setting_values[RGTG_DECODE_MAX_SETTINGS];
    FILE *report;             /* the closing line goes here (rank 0); NULL: quiet */
} rgtg_decode_run_params_t;

rgtg_decode_run_params_t rgtg_decode_run_default_params(void);

/* Runs the stage. Under mpirun every rank calls it (after rgtg_dist_init); all ranks return the
 * same status. */
rgtg_status_t rgtg_decode_run(const rgtg_decode_run_params_t *params);

#endif
