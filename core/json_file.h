/* core/json_file.h: a whole JSON file read into a jansson tree (config.json, the safetensors index,
 * trainer_state.json), with errors that name the file and the place. */
#ifndef RGTG_CORE_JSON_FILE_H
#define RGTG_CORE_JSON_FILE_H

#include <jansson.h>

#include "status.h"

/* Reads path and parses it, refusing duplicate keys. Errors: the read's, or RGTG_ERR_FORMAT
 * "PATH:LINE:COLUMN: not valid JSON: reason" (control characters in the reason shown as '?'). The
 * caller checks the tree's shape and decrefs it. */
rgtg_status_t rgtg_json_read_file(const char *path, json_t **root_out);

#endif
