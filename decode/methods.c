/* decode/methods.c: the table of decoding methods. A new method is one file in decode/ defining its
 * rgtg_method_def_t, and one line here. */
#include <stdio.h>
#include <string.h>

#include "method.h"

/* One line per method: the rgtg_method_def_t its file defines. */
#define METHODS(X)              \
    X(rgtg_method_topk)         \
    X(rgtg_method_topp)         \
    X(rgtg_method_greedy)       \
    X(rgtg_method_bon)          \
    X(rgtg_method_args)         \
    X(rgtg_method_args_greedy)  \
    X(rgtg_method_pargs)        \
    X(rgtg_method_pargs_greedy) \
    X(rgtg_method_cd)

#define DECLARE(def) extern const rgtg_method_def_t def;
#define ENTRY(def) &def,
METHODS(DECLARE)
static const rgtg_method_def_t *const methods[] = {METHODS(ENTRY)};

int rgtg_method_count(void) { return (int)(sizeof methods / sizeof methods[0]); }

const rgtg_method_def_t *rgtg_method_at(int i) { return i >= 0 && i < rgtg_method_count() ? methods[i] : NULL; }

const rgtg_method_def_t *rgtg_method_find(const char *name) {
    for (int i = 0; i < rgtg_method_count(); i++)
        if (!strcmp(methods[i]->name, name)) return methods[i];
    return NULL;
}

const char *rgtg_method_names(void) {
    static char text[512];
    size_t used = 0;
    text[0] = '\0';
    for (int i = 0; i < rgtg_method_count() && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "", methods[i]->name);
    return text;
}
