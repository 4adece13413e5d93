/* tools/args.c: command-line parsing for the rgtg subcommands (see args.h). */
#include "args.h"

#include <errno.h>
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

bool rgtg_args_int(const rgtg_args_t *args, const char *name, long long fallback, long long *out) {
    const char *text = rgtg_args_get(args, name, NULL);
    if (!text) {
        *out = fallback;
        return true;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end) {
        fprintf(stderr, "rgtg: option --%s expects an integer, got '%s'\n", name, text);
        return false;
    }
    *out = v;
    return true;
}

bool rgtg_args_double(const rgtg_args_t *args, const char *name, double fallback, double *out) {
    const char *text = rgtg_args_get(args, name, NULL);
    if (!text) {
        *out = fallback;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end) {
        fprintf(stderr, "rgtg: option --%s expects a number, got '%s'\n", name, text);
        return false;
    }
    *out = v;
    return true;
}

void rgtg_args_usage(const char *command, const char *synopsis, const rgtg_option_t *options) {
    printf("usage: rgtg %s %s\n", command, synopsis);
    for (const rgtg_option_t *o = options; o->name; o++)
        printf("  --%-16s %s%s\n", o->name, o->help, o->repeatable ? " (repeatable)" : "");
}
