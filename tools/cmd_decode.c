/* tools/cmd_decode.c: `rgtg decode`: parses the options into the decode stage's params (decode/run.h)
 * and runs it. The method options come from the methods' own parameter tables; the two adapters here
 * hand the stage what lives in data/ (a prefs.h5 split's prompts, a prompt template). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dist.h"
#include "../data/prefs_h5.h"
#include "../data/template.h"
#include "../decode/method.h"
#include "../decode/run.h"
#include "args.h"
#include "commands.h"

#define MAX_OPTIONS 48

static const rgtg_option_t fixed_options[] = {
    {"config", true, false, "YAML of decoding settings (configs/decode/*.yaml); options given here win"},
    {"lm", true, false, "language model directory (Hugging Face layout, with tokenizer.json or tokenizer.model)"},
    {"rm", true, false, "reward model: the guide of args/pargs, the scorer of bon"},
    {"value", true, false, "value model of cd (rgtg train value)"},
    {"data", true, false, "prompts: a split of a preference file (prefs.h5)"},
    {"split", true, false, "train | valid | test: the split of --data (default test)"},
    {"prompts", true, false, "prompts: a JSONL of {\"id\", \"prompt\", \"reference\"?} lines"},
    {"template", true, false, "render every --prompts prompt through this template (its {prompt})"},
    {"out", true, false, "generations JSONL to write"},
    {"method", true, false, "decoding method (below; default pargs)"},
    {"n", true, false, "samples per prompt (default 1; rows carry their sample index)"},
    {"limit", true, false, "decode at most this many prompts (default 0: all)"},
    {"max-new-tokens", true, false, "tokens per response at most (default 64)"},
    {"batch", true, false, "rows decoded together (default 16; the tokens do not depend on it)"},
    {"seed", true, false, "sampling seed (default 1)"},
    {"threads", true, false, "libtorch threads (default 2)"},
    {"no-cache", false, false, "recompute every forward from scratch (the reference path)"},
    {"help", false, false, "this help"},
};
#define FIXED_COUNT (sizeof fixed_options / sizeof fixed_options[0])

/* The fixed options, then every method parameter once (best_of as --best-of), then the end mark. */
static const rgtg_option_t *all_options(void) {
    static rgtg_option_t options[MAX_OPTIONS + 1];
    static char names[MAX_OPTIONS][32];
    int n = 0;
    for (size_t i = 0; i < FIXED_COUNT; i++) options[n++] = fixed_options[i];
    for (int m = 0; m < rgtg_method_count(); m++) {
        const rgtg_method_def_t *def = rgtg_method_at(m);
        for (int p = 0; p < def->param_count && n < MAX_OPTIONS; p++) {
            snprintf(names[n], sizeof names[n], "%s", def->params[p].name);
            for (char *c = names[n]; *c; c++)
                if (*c == '_') *c = '-';
            bool seen = false;
            for (int i = 0; i < n && !seen; i++) seen = !strcmp(options[i].name, names[n]);
            if (!seen) options[n] = (rgtg_option_t){names[n], true, false, "a method parameter (see below)"}, n++;
        }
    }
    options[n] = (rgtg_option_t){NULL, false, false, NULL};
    return options;
}

/* ---- adapters for what lives in data/ ---- */

typedef struct {
    const char *path;
} prefs_source_t;

/* The prompts of a prefs.h5 split (ids as the file holds them) with their chosen responses. */
static rgtg_status_t load_prefs_prompts(void *ctx, const char *split_name, rgtg_prompt_list_t *list) {
    const prefs_source_t *source = ctx;
    int split = rgtg_split_from_name(split_name);
    if (split < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "--split must be train, valid or test (got '%s')", split_name);
    rgtg_prefs_t *data = NULL;
    rgtg_status_t st = rgtg_prefs_open(source->path, &data);
    int64_t count = 0;
    const int64_t *pair_ids = st == RGTG_OK ? rgtg_prefs_split_pairs(data, split, &count) : NULL;
    if (st == RGTG_OK && count == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: the %s split holds no prompts", source->path, split_name);
    if (st == RGTG_OK && rgtg_prefs_info(data)->tokenizer_sha256[0])
        st = rgtg_prompt_list_set_tokenizer(list, rgtg_prefs_info(data)->tokenizer_sha256);
    for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
        rgtg_pref_pair_t pair;
        st = rgtg_prefs_get(data, pair_ids[i], &pair);
        if (st == RGTG_OK)
            st = rgtg_prompt_list_add_tokens(list, pair_ids[i], pair.prompt.ids, pair.prompt.len, pair.chosen.ids,
                                             pair.chosen.len);
    }
    rgtg_prefs_close(data);
    return st;
}

static rgtg_status_t render_template(void *ctx, const char *prompt, char **out) {
    const char *key = "prompt";
    return rgtg_template_render(ctx, &key, &prompt, 1, out);
}

static void usage(void) {
    rgtg_args_usage("decode", "--lm DIR [--rm DIR | --value DIR] --method M (--data prefs.h5 | --prompts FILE.jsonl) "
                              "--out gens.jsonl", all_options());
    char *methods = rgtg_method_help();
    printf("\nmethods and their parameters:\n%s", methods ? methods : "");
    free(methods);
}

/* The options that are settings (everything but paths and flags) go to the stage as text. */
static bool is_setting(const char *name) {
    static const char *const not_settings[] = {"config", "lm", "rm", "value", "data", "prompts", "template", "out",
                                               "no-cache", "help", NULL};
    for (int i = 0; not_settings[i]; i++)
        if (!strcmp(name, not_settings[i])) return false;
    return true;
}

static int decode_main(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("decode", all_options(), argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        usage();
        return 0;
    }
    if (args.positional_count) {
        fprintf(stderr, "rgtg decode: unexpected argument '%s' (see rgtg decode --help)\n", args.positional[0]);
        return 2;
    }
    const char *data = rgtg_args_get(&args, "data", NULL), *prompts = rgtg_args_get(&args, "prompts", NULL);
    const char *template_name = rgtg_args_get(&args, "template", NULL);
    if (!rgtg_args_get(&args, "lm", NULL) || !rgtg_args_get(&args, "out", NULL) || !data == !prompts) {
        fprintf(stderr, "rgtg decode: --lm, --out and one of --data or --prompts are required\n");
        return 2;
    }
    if (prompts && rgtg_args_has(&args, "split")) {
        fprintf(stderr, "rgtg decode: --split applies to --data, not to --prompts\n");
        return 2;
    }
    if (data && template_name) {
        fprintf(stderr, "rgtg decode: --template applies to --prompts (a prefs.h5 holds templated prompts)\n");
        return 2;
    }
    const rgtg_template_t *template = template_name ? rgtg_template_find(template_name) : NULL;
    if (template_name && !template) {
        fprintf(stderr, "rgtg decode: unknown --template '%s' (known:", template_name);
        for (const char *const *name = rgtg_template_names(); *name; name++) fprintf(stderr, " %s", *name);
        fprintf(stderr, ")\n");
        return 2;
    }
    prefs_source_t source = {data};
    rgtg_decode_run_params_t p = rgtg_decode_run_default_params();
    p.lm_dir = rgtg_args_get(&args, "lm", NULL), p.rm_dir = rgtg_args_get(&args, "rm", NULL);
    p.value_dir = rgtg_args_get(&args, "value", NULL), p.out_path = rgtg_args_get(&args, "out", NULL);
    p.config_path = rgtg_args_get(&args, "config", NULL), p.use_cache = !rgtg_args_has(&args, "no-cache");
    p.prompts_path = prompts;
    if (data) p.load_prompts = load_prefs_prompts, p.load_ctx = &source;
    if (template) p.render = render_template, p.render_ctx = (void *)template;
    for (int i = 0; i < args.count && p.setting_count < RGTG_DECODE_MAX_SETTINGS; i++)
        if (is_setting(args.names[i]))
            p.setting_names[p.setting_count] = args.names[i], p.setting_values[p.setting_count++] = args.values[i];
    if (rgtg_dist_rank() != 0) p.report = NULL;
    if (rgtg_decode_run(&p) != RGTG_OK) return rgtg_dist_rank() == 0 ? rgtg_report_error("decode") : 1;
    return 0;
}

int rgtg_cmd_decode(int argc, char **argv) {
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) return rgtg_report_error("decode");
    int code = decode_main(argc, argv);
    rgtg_dist_finalize();
    return code;
}
