/* core/fsutil.c: atomic file writes (temporary name, fsync, rename, directory fsync), directories
 * written whole, output locks (flock), mkdir -p, whole-file reads and writes, sha256 (OpenSSL EVP) and
 * path joining (see fsutil.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw, flock */
#endif
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/evp.h>

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out) memcpy(out, s, n);
    return out;
}

char *rgtg_path_join(const char *dir, const char *name) {
    if (!dir || !name) return NULL;
    size_t dn = strlen(dir), nn = strlen(name);
    bool need_slash = dn > 0 && dir[dn - 1] != '/';
    char *out = malloc(dn + (need_slash ? 1 : 0) + nn + 1);
    if (!out) return NULL;
    memcpy(out, dir, dn);
    size_t at = dn;
    if (need_slash) out[at++] = '/';
    memcpy(out + at, name, nn + 1);
    return out;
}

char *rgtg_tmp_path_for(const char *path) {
    if (!path) return NULL;
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    size_t pn = strlen(path), sn = strlen(suffix);
    char *out = malloc(pn + sn + 1);
    if (!out) return NULL;
    memcpy(out, path, pn);
    memcpy(out + pn, suffix, sn + 1);
    return out;
}

/* fsyncs the directory that holds path, so that a rename into it survives a crash. */
static rgtg_status_t fsync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) dir = copy_string(".");
    else if (slash == path) dir = copy_string("/");
    else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        rgtg_status_t s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));
        free(dir);
        return s;
    }
    /* Some filesystems refuse fsync on directories (EINVAL); the rename itself has happened. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        rgtg_status_t s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot fsync directory: %s", dir, strerror(errno));
        close(fd);
        free(dir);
        return s;
    }
    close(fd);
    free(dir);
    return RGTG_OK;
}

rgtg_status_t rgtg_atomic_begin(rgtg_atomic_file_t *file, const char *path) {
    memset(file, 0, sizeof *file);
    file->final_path = copy_string(path);
    file->tmp_path = rgtg_tmp_path_for(path);
    if (!file->final_path || !file->tmp_path) {
        rgtg_atomic_abort(file);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    file->fp = fopen(file->tmp_path, "wb");
    if (!file->fp) {
        rgtg_status_t s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot create: %s", file->tmp_path, strerror(errno));
        rgtg_atomic_abort(file);
        return s;
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_atomic_commit(rgtg_atomic_file_t *file) {
    if (!file->fp || !file->tmp_path || !file->final_path)
        return rgtg_error_set(RGTG_ERR_INVALID, "atomic commit of a file that is not open");
    rgtg_status_t s = RGTG_OK;
    if (fflush(file->fp) != 0 || ferror(file->fp))
        s = rgtg_error_set(RGTG_ERR_IO, "%s: write failed: %s", file->tmp_path, strerror(errno));
    else if (fsync(fileno(file->fp)) != 0)
        s = rgtg_error_set(RGTG_ERR_IO, "%s: fsync failed: %s", file->tmp_path, strerror(errno));
    int close_rc = fclose(file->fp);
    file->fp = NULL;
    if (s == RGTG_OK && close_rc != 0)
        s = rgtg_error_set(RGTG_ERR_IO, "%s: close failed: %s", file->tmp_path, strerror(errno));
    if (s == RGTG_OK && rename(file->tmp_path, file->final_path) != 0)
        s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot rename onto %s: %s", file->tmp_path, file->final_path,
                           strerror(errno));
    if (s != RGTG_OK) {
        rgtg_atomic_abort(file);
        return s;
    }
    s = fsync_parent_dir(file->final_path);
    free(file->final_path);
    free(file->tmp_path);
    memset(file, 0, sizeof *file);
    return s;
}

void rgtg_atomic_abort(rgtg_atomic_file_t *file) {
    if (!file) return;
    if (file->fp) fclose(file->fp);
    if (file->tmp_path) unlink(file->tmp_path);
    free(file->tmp_path);
    free(file->final_path);
    memset(file, 0, sizeof *file);
}

rgtg_status_t rgtg_commit_rename(const char *tmp_path, const char *path) {
    int fd = open(tmp_path, O_RDONLY);
    if (fd < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", tmp_path, strerror(errno));
    if (fsync(fd) != 0) {
        rgtg_status_t s = rgtg_error_set(RGTG_ERR_IO, "%s: fsync failed: %s", tmp_path, strerror(errno));
        close(fd);
        return s;
    }
    close(fd);
    if (rename(tmp_path, path) != 0)
        return rgtg_error_set(RGTG_ERR_IO, "%s: cannot rename onto %s: %s", tmp_path, path, strerror(errno));
    return fsync_parent_dir(path);
}

static rgtg_status_t make_one_dir(const char *path) {
    if (mkdir(path, 0777) == 0) return RGTG_OK;
    int err = errno;
    struct stat st;
    if (err == EEXIST) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_IO, "%s: exists and is not a directory", path);
    }
    return rgtg_error_set(RGTG_ERR_IO, "%s: cannot create directory: %s", path, strerror(err));
}

rgtg_status_t rgtg_mkdirs(const char *path) {
    if (!path || !*path) return rgtg_error_set(RGTG_ERR_INVALID, "mkdirs: empty path");
    char *work = copy_string(path);
    if (!work) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    rgtg_status_t s = RGTG_OK;
    /* Create each prefix that ends just before a '/', then the whole path. */
    for (char *p = work + 1; *p && s == RGTG_OK; p++) {
        if (*p != '/' || p[-1] == '/') continue;
        *p = '\0';
        s = make_one_dir(work);
        *p = '/';
    }
    if (s == RGTG_OK) s = make_one_dir(work);
    free(work);
    return s;
}

bool rgtg_path_exists(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0;
}

rgtg_status_t rgtg_read_file(const char *path, char **data_out, size_t *size_out) {
    *data_out = NULL;
    if (size_out) *size_out = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, size = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    /* A read loop rather than fstat's size, so that pipes and /proc files work too. */
    for (;;) {
        if (cap - size < 2) {
            if (cap > SIZE_MAX / 2) {
                free(buf);
                fclose(fp);
                return rgtg_error_set(RGTG_ERR_NOMEM, "%s: file too large", path);
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                fclose(fp);
                return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + size, 1, cap - size - 1, fp);
        size += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        rgtg_status_t s = rgtg_error_set(RGTG_ERR_IO, "%s: read failed: %s", path, strerror(errno));
        free(buf);
        fclose(fp);
        return s;
    }
    fclose(fp);
    buf[size] = '\0';
    *data_out = buf;
    if (size_out) *size_out = size;
    return RGTG_OK;
}

rgtg_status_t rgtg_write_file_atomic(const char *path, const void *data, size_t size) {
    rgtg_atomic_file_t file;
    rgtg_status_t s = rgtg_atomic_begin(&file, path);
    if (s != RGTG_OK) return s;
    if (size > 0 && fwrite(data, 1, size, file.fp) != size) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: write failed: %s", file.tmp_path, strerror(errno));
        rgtg_atomic_abort(&file);
        return s;
    }
    return rgtg_atomic_commit(&file);
}

static void digest_to_hex(const unsigned char *digest, char hex_out[65]) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex_out[2 * i] = hex[digest[i] >> 4];
        hex_out[2 * i + 1] = hex[digest[i] & 15];
    }
    hex_out[64] = '\0';
}

void rgtg_sha256_bytes(const void *data, size_t size, char hex_out[65]) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    /* EVP_Digest fails only on allocation failure; report an all-zero digest then. */
    if (!EVP_Digest(data, size, digest, &digest_len, EVP_sha256(), NULL) || digest_len != 32)
        memset(digest, 0, 32);
    digest_to_hex(digest, hex_out);
}

rgtg_status_t rgtg_sha256_file(const char *path, char hex_out[65]) {
    hex_out[0] = '\0';
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        fclose(fp);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: cannot start sha256", path);
    }
    unsigned char buf[1 << 16];
    size_t got;
    rgtg_status_t s = RGTG_OK;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (!EVP_DigestUpdate(ctx, buf, got)) {
            s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: sha256 update failed", path);
            break;
        }
    }
    if (s == RGTG_OK && ferror(fp)) s = rgtg_error_set(RGTG_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (s == RGTG_OK && (!EVP_DigestFinal_ex(ctx, digest, &digest_len) || digest_len != 32))
        s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: sha256 finalization failed", path);
    EVP_MD_CTX_free(ctx);
    fclose(fp);
    if (s == RGTG_OK) digest_to_hex(digest, hex_out);
    return s;
}

rgtg_status_t rgtg_copy_file_atomic(const char *src, const char *dst) {
    char *data;
    size_t size;
    rgtg_status_t st = rgtg_read_file(src, &data, &size);
    if (st != RGTG_OK) return st;
    st = rgtg_write_file_atomic(dst, data, size);
    free(data);
    return st;
}

/* ---------------------------------------------------------------- trees and whole directories */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

rgtg_status_t rgtg_remove_tree(const char *path) {
    struct stat st;
    if (!path || lstat(path, &st) != 0) return RGTG_OK;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return rgtg_error_set(RGTG_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return RGTG_OK;
}

/* "<parent>/.<name><suffix>" for path "<parent>/<name>" (trailing slashes ignored); malloc'd. */
static char *hidden_sibling(const char *path, const char *suffix) {
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    size_t base = n;
    while (base > 0 && path[base - 1] != '/') base--;
    size_t sn = strlen(suffix);
    char *out = malloc(n + 1 + sn + 1);
    if (!out) return NULL;
    memcpy(out, path, base);
    out[base] = '.';
    memcpy(out + base + 1, path + base, n - base);
    memcpy(out + n + 1, suffix, sn + 1);
    return out;
}

rgtg_status_t rgtg_dir_begin(const char *path, char **tmp_out) {
    *tmp_out = NULL;
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    char *tmp = hidden_sibling(path, suffix);
    if (!tmp) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    rgtg_status_t st = rgtg_remove_tree(tmp); /* left by an earlier process of the same pid */
    if (st == RGTG_OK && mkdir(tmp, 0777) != 0)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot create directory: %s", tmp, strerror(errno));
    if (st != RGTG_OK) {
        free(tmp);
        return st;
    }
    *tmp_out = tmp;
    return RGTG_OK;
}

static rgtg_status_t fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    rgtg_status_t st = RGTG_OK;
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot fsync directory: %s", dir, strerror(errno));
    close(fd);
    return st;
}

rgtg_status_t rgtg_dir_commit(const char *tmp, const char *path) {
    rgtg_status_t st = fsync_dir(tmp);
    if (st != RGTG_OK) return st;
    char suffix[40];
    snprintf(suffix, sizeof suffix, ".tmp.%ld.old", (long)getpid());
    char *old = hidden_sibling(path, suffix);
    if (!old) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    bool moved_old = false;
    st = rgtg_remove_tree(old);
    if (st == RGTG_OK && rgtg_path_exists(path)) {
        if (rename(path, old) != 0)
            st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot move aside: %s", path, strerror(errno));
        moved_old = st == RGTG_OK;
    }
    if (st == RGTG_OK && rename(tmp, path) != 0) {
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot rename onto %s: %s", tmp, path, strerror(errno));
        if (moved_old) rename(old, path); /* put the previous one back */
        moved_old = false;
    }
    if (st == RGTG_OK) st = fsync_parent_dir(path);
    if (moved_old) rgtg_remove_tree(old); /* the new one is in place; a leftover is only clutter */
    free(old);
    return st;
}

void rgtg_dir_abort(const char *tmp) {
    if (!tmp) return;
    const bool error_was_pending = rgtg_error_status() != RGTG_OK;
    if (rgtg_remove_tree(tmp) != RGTG_OK && !error_was_pending) rgtg_error_clear(); /* keep the cause */
}

/* ---------------------------------------------------------------- output locks */

struct rgtg_output_lock {
    int fd;
    char *lock_path;
    char *dir;         /* rgtg_dir_lock's directory, or NULL */
    size_t created;    /* the length of dir's prefix that existed before (dir's own length: all did) */
};

/* The pid recorded in a lock file, or 0. */
static long lock_holder(int fd) {
    char text[32] = "";
    ssize_t got = pread(fd, text, sizeof text - 1, 0);
    if (got <= 0) return 0;
    text[got] = '\0';
    return strtol(text, NULL, 10);
}

static rgtg_status_t take_lock(const char *lock_path, const char *what, rgtg_output_lock_t *lock) {
    /* The holder removes the file when it lets go; a lock taken on a file that is no longer the one at
     * lock_path would not exclude anyone, hence the inode check and the retry. */
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot create the lock file: %s", lock_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            long pid = lock_holder(fd);
            close(fd);
            if (err != EWOULDBLOCK)
                return rgtg_error_set(RGTG_ERR_IO, "%s: cannot lock: %s", lock_path, strerror(err));
            if (pid > 0)
                return rgtg_error_set(RGTG_ERR_BUSY, "%s is in use by another rgtg process (pid %ld); wait for it to "
                                      "finish or choose another output", what, pid);
            return rgtg_error_set(RGTG_ERR_BUSY, "%s is in use by another rgtg process (its pid is not written yet); "
                                  "wait for it to finish or choose another output", what);
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(lock_path, &named) == 0 && held.st_ino == named.st_ino &&
            held.st_dev == named.st_dev) {
            char text[32];
            int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
                rgtg_status_t st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write: %s", lock_path, strerror(errno));
                close(fd);
                return st;
            }
            lock->fd = fd;
            return RGTG_OK;
        }
        close(fd); /* removed or replaced by its holder in between: try the new one */
    }
    return rgtg_error_set(RGTG_ERR_BUSY, "%s: the lock file keeps changing; is another process looping on it?", lock_path);
}

static void lock_free(rgtg_output_lock_t *lock) {
    free(lock->lock_path);
    free(lock->dir);
    free(lock);
}

/* Removes the directories of lock->dir that rgtg_dir_lock created, deepest first, each only when empty. */
static void remove_created_dirs(rgtg_output_lock_t *lock) {
    size_t n = lock->dir ? strlen(lock->dir) : 0;
    while (n > lock->created) {
        if (rmdir(lock->dir) != 0) return; /* something was written: keep it and what holds it */
        while (n > 0 && lock->dir[n - 1] == '/') lock->dir[--n] = '\0';
        while (n > 0 && lock->dir[n - 1] != '/') lock->dir[--n] = '\0';
        while (n > 1 && lock->dir[n - 1] == '/') lock->dir[--n] = '\0';
    }
}

rgtg_status_t rgtg_dir_lock(const char *dir, rgtg_output_lock_t **out) {
    *out = NULL;
    rgtg_output_lock_t *lock = calloc(1, sizeof *lock);
    if (!lock || !(lock->dir = strdup(dir))) {
        free(lock);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    lock->fd = -1;
    /* the longest prefix of dir (at a '/') that exists already: what a failed run must leave */
    lock->created = strlen(dir);
    while (lock->created > 0 && !rgtg_path_exists(lock->dir)) {
        while (lock->created > 0 && dir[lock->created - 1] != '/') lock->created--;
        while (lock->created > 1 && dir[lock->created - 1] == '/') lock->created--;
        lock->dir[lock->created] = '\0';
    }
    memcpy(lock->dir, dir, strlen(dir) + 1);
    rgtg_status_t st = rgtg_mkdirs(dir);
    if (st == RGTG_OK && !(lock->lock_path = rgtg_path_join(dir, RGTG_DIR_LOCK_FILE)))
        st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    if (st == RGTG_OK) st = take_lock(lock->lock_path, dir, lock);
    if (st != RGTG_OK) {
        remove_created_dirs(lock);
        lock_free(lock);
        return st;
    }
    *out = lock;
    return RGTG_OK;
}

rgtg_status_t rgtg_file_lock(const char *path, rgtg_output_lock_t **out) {
    *out = NULL;
    rgtg_output_lock_t *lock = calloc(1, sizeof *lock);
    if (!lock) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    lock->fd = -1;
    lock->lock_path = hidden_sibling(path, ".lock");
    rgtg_status_t st = lock->lock_path ? take_lock(lock->lock_path, path, lock)
                                       : rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    if (st != RGTG_OK) {
        lock_free(lock);
        return st;
    }
    *out = lock;
    return RGTG_OK;
}

void rgtg_output_unlock(rgtg_output_lock_t *lock) {
    if (!lock) return;
    unlink(lock->lock_path); /* while still holding it: the next taker sees a new file */
    close(lock->fd);
    remove_created_dirs(lock); /* only those that stayed empty */
    lock_free(lock);
}
