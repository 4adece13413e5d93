/* tools/args.c: command-line parsing for the rgtg subcommands (see args.h). */
#include "args.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rgtg_option_t *find_option(const rgtg_option_t *options, const char *name) {
    for (const rgtg_option_t *o = options; o->name; o++)
        if (!strcmp(o->name, name)) return o;
    return NULL;
}

bool rgtg_args_parse(const char *command, const rgtg_option_t *options, int argc, char **argv, rgtg_args_t *out) {
    memset(out, 0, sizeof *out);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (out->positional_count == 16) {
                fprintf(stderr, "rgtg %s: too many arguments\n", command);
                return false;
            }
            out->positional[out->positional_count++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *inline_value = strchr(name, '=');
        char name_buf[64];
        if (inline_value) {
            snprintf(name_buf, sizeof name_buf, "%.*s", (int)(inline_value - name), name);
            name = name_buf;
            inline_value++;
        }
        const rgtg_option_t *o = find_option(options, name);
        if (!o) {
            fprintf(stderr, "rgtg %s: unknown option --%s (see rgtg %s --help)\n", command, name, command);
            return false;
        }
        const char *value = NULL;
        if (o->takes_value) {
            if (inline_value) value = inline_value;
            else if (i + 1 < argc) value = argv[++i];
            else {
                fprintf(stderr, "rgtg %s: option --%s needs a value\n", command, name);
                return false;
            }
        }
        if (!o->repeatable && rgtg_args_has(out, o->name)) {
            fprintf(stderr, "rgtg %s: option --%s given twice\n", command, name);
            return false;
        }
        if (out->count == 64) {
            fprintf(stderr, "rgtg %s: too many options\n", command);
            return false;
        }
        out->names[out->count] = o->name;
        out->values[out->count++] = value;
    }
    return true;
}

const char *rgtg_args_get(const rgtg_args_t *args, const char *name, const char *fallback) {
    for (int i = args->count - 1; i >= 0; i--)
        if (!strcmp(args->names[i], name)) return args->values[i] ? args->values[i] : fallback;
    return fallback;
}

bool rgtg_args_has(const rgtg_args_t *args, const char *name) {
    for (int i = 0; i < args->count; i++)
        if (!strcmp(args->names[i], name)) return true;
    return false;
}

/* Numbers in option values: one line naming the option on failure ("rgtg COMMAND: ..." or "rgtg: ..."). */
static bool parse_integer(const char *command, const char *name, const char *text, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end) {
        fprintf(stderr, "rgtg%s%s: option --%s expects an integer, got '%s'\n", command ? " " : "", command ? command : "",
                name, text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_double(const char *command, const char *name, const char *text, double *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end) {
        fprintf(stderr, "rgtg%s%s: option --%s expects a number, got '%s'\n", command ? " " : "", command ? command : "",
                name, text);
        return false;
    }
    *out = v;
    return true;
}

bool rgtg_args_int(const rgtg_args_t *args, const char *name, long long fallback, long long *out) {
    const char *text = rgtg_args_get(args, name, NULL);
    *out = fallback;
    return !text || parse_integer(NULL, name, text, out);
}

bool rgtg_args_double(const rgtg_args_t *args, const char *name, double fallback, double *out) {
    const char *text = rgtg_args_get(args, name, NULL);
    *out = fallback;
    return !text || parse_double(NULL, name, text, out);
}

void rgtg_args_usage(const char *command, const char *synopsis, const rgtg_option_t *options) {
    printf("usage: rgtg %s %s\n", command, synopsis);
    for (const rgtg_option_t *o = options; o->name; o++)
        printf("  --%-16s %s%s\n", o->name, o->help, o->repeatable ? " (repeatable)" : "");
}

/* ---- table-driven ---- */
#define MAX_TABLE 48

static bool fill(const char *command, const rgtg_opt_t *o, const char *text) {
    long long v;
    switch (o->kind) {
    case RGTG_OPT_FLAG: *(bool *)o->target = true; return true;
    case RGTG_OPT_STRING: *(const char **)o->target = text; return true;
    case RGTG_OPT_INT:
        if (!parse_integer(command, o->name, text, &v)) return false;
        *(int64_t *)o->target = v;
        return true;
    case RGTG_OPT_INT32:
        if (!parse_integer(command, o->name, text, &v)) return false;
        if (v < INT32_MIN || v > INT32_MAX) {
            fprintf(stderr, "rgtg %s: option --%s: %s is out of range\n", command, o->name, text);
            return false;
        }
        *(int *)o->target = (int)v;
        return true;
    case RGTG_OPT_U64:
        if (!parse_integer(command, o->name, text, &v)) return false;
        if (v < 0) {
            fprintf(stderr, "rgtg %s: option --%s must not be negative, got %s\n", command, o->name, text);
            return false;
        }
        *(uint64_t *)o->target = (uint64_t)v;
        return true;
    case RGTG_OPT_DOUBLE: return parse_double(command, o->name, text, (double *)o->target);
    case RGTG_OPT_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (!strcmp(o->choices[i], text)) {
                *(int *)o->target = i;
                return true;
            }
        fprintf(stderr, "rgtg %s: --%s must be one of", command, o->name);
        for (int i = 0; o->choices[i]; i++) fprintf(stderr, "%s%s", i ? ", " : " ", o->choices[i]);
        fprintf(stderr, "; not \"%s\"\n", text);
        return false;
    case RGTG_OPT_STRINGS: {
        rgtg_strings_t *list = o->target;
        if (list->count == RGTG_MAX_STRINGS) {
            fprintf(stderr, "rgtg %s: --%s given more than %d times\n", command, o->name, RGTG_MAX_STRINGS);
            return false;
        }
        list->items[list->count++] = text;
        return true;
    }
    }
    return false;
}

/* The field's current value, as the usage line's default ("" when there is none to show). */
static void default_text(const rgtg_opt_t *o, char *out, size_t cap) {
    out[0] = '\0';
    switch (o->kind) {
    case RGTG_OPT_STRING:
        if (*(const char *const *)o->target) snprintf(out, cap, "%s", *(const char *const *)o->target);
        break;
    case RGTG_OPT_INT: snprintf(out, cap, "%" PRId64, *(const int64_t *)o->target); break;
    case RGTG_OPT_INT32: snprintf(out, cap, "%d", *(const int *)o->target); break;
    case RGTG_OPT_U64: snprintf(out, cap, "%" PRIu64, *(const uint64_t *)o->target); break;
    case RGTG_OPT_DOUBLE: snprintf(out, cap, "%g", *(const double *)o->target); break;
    case RGTG_OPT_CHOICE:
        if (*(const int *)o->target >= 0) snprintf(out, cap, "%s", o->choices[*(const int *)o->target]);
        break;
    default: break;
    }
}

static void cli_usage(const rgtg_cli_t *cli) {
    printf("usage: rgtg %s %s\n", cli->command, cli->synopsis);
    for (const rgtg_opt_t *o = cli->options; o->name; o++) {
        char value[128], choices[160] = "";
        default_text(o, value, sizeof value);
        for (int i = 0; o->kind == RGTG_OPT_CHOICE && o->choices[i]; i++)
            snprintf(choices + strlen(choices), sizeof choices - strlen(choices), "%s%s", i ? "|" : "", o->choices[i]);
        printf("  --%-16s %s", o->name, o->help);
        if (choices[0]) printf(" [%s]", choices);
        if (o->required) printf(" (required)");
        else if (value[0] && !o->given) printf(" (default %s)", value);
        if (o->kind == RGTG_OPT_STRINGS) printf(" (repeatable)");
        printf("\n");
    }
    printf("  --%-16s this help\n", "help");
}

int rgtg_cli_parse(const rgtg_cli_t *cli, int argc, char **argv) {
    rgtg_option_t table[MAX_TABLE + 2];
    int n = 0;
    for (const rgtg_opt_t *o = cli->options; o->name && n < MAX_TABLE; o++, n++)
        table[n] = (rgtg_option_t){o->name, o->kind != RGTG_OPT_FLAG, o->kind == RGTG_OPT_STRINGS, o->help};
    table[n++] = (rgtg_option_t){"help", false, false, "this help"};
    table[n] = (rgtg_option_t){NULL, false, false, NULL};
    rgtg_args_t args;
    if (!rgtg_args_parse(cli->command, table, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        cli_usage(cli);
        return 0;
    }
    for (int i = 0; i < args.count; i++)
        for (const rgtg_opt_t *o = cli->options; o->name; o++)
            if (!strcmp(o->name, args.names[i])) {
                if (!fill(cli->command, o, args.values[i])) return 2;
                if (o->given) *o->given = true;
            }
    for (const rgtg_opt_t *o = cli->options; o->name; o++)
        if (o->required && !rgtg_args_has(&args, o->name)) {
            fprintf(stderr, "rgtg %s: --%s is required (see rgtg %s --help)\n", cli->command, o->name, cli->command);
            return 2;
        }
    if (!cli->positional && args.positional_count > 0) {
        fprintf(stderr, "rgtg %s: unexpected argument '%s'\n", cli->command, args.positional[0]);
        return 2;
    }
    for (int i = 0; cli->positional && i < args.positional_count; i++) {
        if (cli->positional->count == RGTG_MAX_STRINGS) {
            fprintf(stderr, "rgtg %s: too many arguments\n", cli->command);
            return 2;
        }
        cli->positional->items[cli->positional->count++] = args.positional[i];
    }
    if (cli->positional && (cli->positional->count < cli->min_positional ||
                            (cli->max_positional > 0 && cli->positional->count > cli->max_positional))) {
        fprintf(stderr, "rgtg %s: %s %s required\n", cli->command, cli->positional_name,
                cli->min_positional == 1 ? "is" : "are");
        return 2;
    }
    return -1;
}
