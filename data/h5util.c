/* data/h5util.c: HDF5 helpers shared by the preference file's writer, reader and expansion (see
 * h5util.h). */
#include "h5util.h"

#include <stdio.h>
#include <string.h>

void rgtg_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* HDF5 1.10 cannot close a file whose flush failed (a full disk leaves its metadata cache half
 * flushed) and crashes closing it again at exit. Every file is closed explicitly, so the library's
 * exit-time cleanup is switched off; this must run before any other HDF5 call, hence at load time. */
__attribute__((constructor)) static void no_cleanup_at_exit(void) { H5dont_atexit(); }

static _Thread_local char noted_failure[256];

/* The innermost message; the file driver's holds the system's reason ("..., error message = 'No space
 * left on device', ...") and newlines, so that part alone is kept. */
static herr_t first_error(unsigned n, const H5E_error2_t *err, void *data) {
    char *out = data;
    if (n != 0 || !err->desc) return 0;
    const char *reason = strstr(err->desc, "error message = '");
    if (reason) snprintf(out, 256, "%.*s", (int)strcspn(reason + 17, "'"), reason + 17);
    else snprintf(out, 256, "%s", err->desc);
    for (char *p = out; *p; p++)
        if (*p == '\n') *p = ' ';
    return 0;
}

void rgtg_h5_note_failure(void) {
    noted_failure[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, noted_failure);
}

const char *rgtg_h5_detail(void) {
    static _Thread_local char text[256];
    text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, text);
    if (!text[0]) memcpy(text, noted_failure, sizeof text);
    noted_failure[0] = '\0';
    return text[0] ? text : "unknown HDF5 error";
}

hid_t rgtg_h5_create_1d(hid_t loc, const char *name, hid_t type, hsize_t size, hsize_t chunk) {
    hsize_t maxdims = H5S_UNLIMITED;
    hid_t space = H5Screate_simple(1, &size, &maxdims);
    hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    /* no object timestamps: the same input must give the same file bytes */
    if (space >= 0 && plist >= 0 && H5Pset_chunk(plist, 1, &chunk) >= 0 && H5Pset_shuffle(plist) >= 0 &&
        H5Pset_deflate(plist, RGTG_H5_DEFLATE) >= 0 && H5Pset_obj_track_times(plist, 0) >= 0)
        ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    if (plist >= 0) H5Pclose(plist);
    if (space >= 0) H5Sclose(space);
    return ds;
}

hid_t rgtg_h5_create_group(hid_t loc, const char *name) {
    hid_t plist = H5Pcreate(H5P_GROUP_CREATE);
    hid_t group = -1;
    if (plist >= 0 && H5Pset_obj_track_times(plist, 0) >= 0)
        group = H5Gcreate2(loc, name, H5P_DEFAULT, plist, H5P_DEFAULT);
    if (plist >= 0) H5Pclose(plist);
    return group;
}

herr_t rgtg_h5_write_attr(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, const void *value) {
    if (H5Aexists(loc, name) > 0 && H5Adelete(loc, name) < 0) return -1;
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = space >= 0 ? H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t rc = attr >= 0 ? H5Awrite(attr, mem_type, value) : -1;
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    return rc;
}
