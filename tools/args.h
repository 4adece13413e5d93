/* tools/args.h: command-line options of the form --name value, --flag, --set k=v (repeatable) and
 * positionals, checked against each subcommand's list of known options.
 *
 * Two levels: rgtg_cli_parse() fills typed fields of a stage's params struct straight from a table
 * (the way every command should read its options: defaults come from the struct, set by the stage's
 * *_default_params(), and --help prints them); rgtg_args_* below it keep the raw name/value list. */
#ifndef RGTG_TOOLS_ARGS_H
#define RGTG_TOOLS_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* ---- table-driven: options straight into typed fields ---- */

typedef enum {
    RGTG_OPT_FLAG,    /* bool *: true when given */
    RGTG_OPT_STRING,  /* const char **: the text (points into argv) */
    RGTG_OPT_INT,     /* int64_t * */
    RGTG_OPT_INT32,   /* int * */
    RGTG_OPT_U64,     /* uint64_t *: a non-negative integer */
    RGTG_OPT_DOUBLE,  /* double * */
    RGTG_OPT_CHOICE,  /* int *: the index of the value in choices */
    RGTG_OPT_STRINGS, /* rgtg_strings_t *: every occurrence, in order (repeatable) */
} rgtg_opt_kind_t;

#define RGTG_MAX_STRINGS 64

typedef struct {
    const char *items[RGTG_MAX_STRINGS];
    int count;
} rgtg_strings_t;

typedef struct {
    const char *name;            /* without the leading dashes; NULL ends a table */
    rgtg_opt_kind_t kind;
    void *target;                /* the field filled (see the kinds) */
    const char *help;            /* one line; the current value of the field is shown as the default */
    bool required;
    const char *const *choices;  /* RGTG_OPT_CHOICE: the accepted values, NULL-terminated */
    bool *given;                 /* set when the option is given (its default is then not shown) */
} rgtg_opt_t;

/* A table row: RGTG_OPT("seed", RGTG_OPT_U64, &params.seed, "sampling seed"), more fields after the
 * help as designated initializers (.required = true, .choices = names, .given = &flag). */
#define RGTG_OPT(option_name, option_kind, field, help_text, ...) \
    {.name = (option_name), .kind = (option_kind), .target = (field), .help = (help_text), __VA_ARGS__}
#define RGTG_OPT_END {.name = NULL}

typedef struct {
    const char *command;         /* "data prepare": names the command in messages */
    const char *synopsis;        /* what follows the command in the usage line */
    const rgtg_opt_t *options;
    rgtg_strings_t *positional;  /* where plain arguments go; NULL: none accepted */
    int min_positional;          /* plain arguments required (with positional) */
    const char *positional_name; /* what they are, for the message when too few or too many are given */
    int max_positional;          /* plain arguments at most (0: no limit) */
} rgtg_cli_t;

/* Parses argv against the table and fills the targets. Returns -1 when the command should go on,
 * else its exit status: 0 after --help (usage printed), 2 after a usage error (one line printed). */
int rgtg_cli_parse(const rgtg_cli_t *cli, int argc, char **argv);

/* ---- raw: a list of names and values ---- */

typedef struct {
    const char *name;  /* without the leading dashes */
    bool takes_value;
    bool repeatable;
    const char *help;
} rgtg_option_t;

typedef struct {
    int count;
    const char *names[64];
    const char *values[64]; /* NULL for flags */
    int positional_count;
    const char *positional[16];
} rgtg_args_t;

/* Parses argv[0..argc) against options; prints one line naming the problem and returns false on an
 * unknown option, a missing value or a repeated non-repeatable option. */
bool rgtg_args_parse(const char *command, const rgtg_option_t *options, int argc, char **argv, rgtg_args_t *out);
const char *rgtg_args_get(const rgtg_args_t *args, const char *name, const char *fallback);
bool rgtg_args_has(const rgtg_args_t *args, const char *name);
/* Integer / float options: prints an error and returns false when the text is not a number. */
bool rgtg_args_int(const rgtg_args_t *args, const char *name, long long fallback, long long *out);
bool rgtg_args_double(const rgtg_args_t *args, const char *name, double fallback, double *out);
void rgtg_args_usage(const char *command, const char *synopsis, const rgtg_option_t *options);

#endif
