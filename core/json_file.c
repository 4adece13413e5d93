/* core/json_file.c: a whole JSON file into a jansson tree (see json_file.h). */
#include "json_file.h"

#include <stdlib.h>

#include "fsutil.h"

rgtg_status_t rgtg_json_read_file(const char *path, json_t **root_out) {
    *root_out = NULL;
    char *text = NULL;
    size_t size = 0;
    rgtg_status_t s = rgtg_read_file(path, &text, &size);
    if (s != RGTG_OK) return s;
    json_error_t error;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
    free(text);
    if (!root) {
        for (char *p = error.text; *p; p++)
            if ((unsigned char)*p < 0x20) *p = '?';
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: not valid JSON: %s", path, error.line, error.column, error.text);
    }
    *root_out = root;
    return RGTG_OK;
}
