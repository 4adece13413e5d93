/* core/fsutil.h: atomic file writes (temporary name, fsync, rename), directory creation, sha256 of
 * files, and whole-file reads. Every output the project writes goes through rgtg_atomic_*. */
#ifndef RGTG_CORE_FSUTIL_H
#define RGTG_CORE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    char *final_path; /* where the file appears on commit */
    char *tmp_path;   /* "<final>.tmp.<pid>" in the same directory */
    FILE *fp;         /* open for writing on tmp_path */
} rgtg_atomic_file_t;

/* Opens a temporary file beside path. */
rgtg_status_t rgtg_atomic_begin(rgtg_atomic_file_t *file, const char *path);
/* Flushes, fsyncs, closes and renames onto final_path, then fsyncs the directory. */
rgtg_status_t rgtg_atomic_commit(rgtg_atomic_file_t *file);
/* Closes and removes the temporary file; safe to call on a zeroed or committed struct. */
void rgtg_atomic_abort(rgtg_atomic_file_t *file);
/* A temporary path beside path, for libraries that open files themselves (HDF5); malloc'd. */
char *rgtg_tmp_path_for(const char *path);
/* Renames tmp onto path with fsyncs of the file and directory. */
rgtg_status_t rgtg_commit_rename(const char *tmp_path, const char *path);

/* mkdir -p. */
rgtg_status_t rgtg_mkdirs(const char *path);
bool rgtg_path_exists(const char *path);
/* Reads a whole file into a NUL-terminated malloc'd buffer. */
rgtg_status_t rgtg_read_file(const char *path, char **data_out, size_t *size_out);
/* Writes a whole buffer atomically. */
rgtg_status_t rgtg_write_file_atomic(const char *path, const void *data, size_t size);
/* Copies src to dst atomically. */
rgtg_status_t rgtg_copy_file_atomic(const char *src, const char *dst);
/* Lowercase hex sha256 of a file's bytes into hex_out[65]. */
rgtg_status_t rgtg_sha256_file(const char *path, char hex_out[65]);
void rgtg_sha256_bytes(const void *data, size_t size, char hex_out[65]);
/* dst = dir + "/" + name, malloc'd. */
char *rgtg_path_join(const char *dir, const char *name);

#endif
