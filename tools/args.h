/* tools/args.h: command-line options of the form --name value, --flag, --set k=v (repeatable) and
 * positionals, checked against each subcommand's list of known options. */
#ifndef RGTG_TOOLS_ARGS_H
#define RGTG_TOOLS_ARGS_H

#include <stdbool.h>

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
