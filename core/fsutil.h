/* core/fsutil.h: atomic file writes (temporary name, fsync, rename), directories written whole,
 * output locks, directory creation, sha256 of files, and whole-file reads. Every output the project
 * writes goes through rgtg_atomic_* (and rgtg_dir_* for directories). */
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
/* rm -r without following symbolic links; a missing path is fine. */
rgtg_status_t rgtg_remove_tree(const char *path);

/* ---- directories written whole (a model, a checkpoint) ----
 * rgtg_dir_begin makes "<parent>/.<name>.tmp.<pid>" beside path; the caller fills it with
 * rgtg_atomic_* files (each fsynced); rgtg_dir_commit fsyncs it and renames it onto path (an existing
 * directory there is moved aside first and removed after, or put back if the rename fails), then
 * fsyncs the parent. A crash leaves either the old directory or the new one, never a mix. */
rgtg_status_t rgtg_dir_begin(const char *path, char **tmp_out);
rgtg_status_t rgtg_dir_commit(const char *tmp, const char *path);
/* Removes the temporary directory (NULL is fine). */
void rgtg_dir_abort(const char *tmp);

/* ---- output locks ----
 * One process at a time writes an output: rgtg_dir_lock creates dir (mkdir -p) and takes an
 * exclusive, non-blocking flock on DIR/.rgtg.lock, which then holds the owner's pid. A second process
 * fails at once with RGTG_ERR_BUSY, naming the holder's pid. rgtg_file_lock does the same for a file
 * output with the lock file "<dir>/.<name>.lock" beside it (the file itself is not created). The lock
 * ends with rgtg_output_unlock or with the process. */
#define RGTG_DIR_LOCK_FILE ".rgtg.lock"
typedef struct rgtg_output_lock rgtg_output_lock_t;
rgtg_status_t rgtg_dir_lock(const char *dir, rgtg_output_lock_t **out);
rgtg_status_t rgtg_file_lock(const char *path, rgtg_output_lock_t **out);
/* Releases the lock and removes its file; a directory that rgtg_dir_lock created is removed as well
 * when nothing else was written into it (a run that failed early leaves nothing). NULL is fine. */
void rgtg_output_unlock(rgtg_output_lock_t *lock);

#endif
