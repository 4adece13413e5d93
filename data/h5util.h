/* data/h5util.h: the HDF5 helpers that the preference file's writer, reader and expansion share:
 * quiet error stacks turned into messages, chunked 1-D datasets and groups without timestamps (the
 * same input gives the same file bytes), and scalar attributes. Internal to data/. */
#ifndef RGTG_DATA_H5UTIL_H
#define RGTG_DATA_H5UTIL_H

#include <hdf5.h>

/* Chunk of the 1-D datasets (elements) and their deflate level. */
#define RGTG_H5_CHUNK 65536
#define RGTG_H5_DEFLATE 4

/* Stops HDF5 from printing its error stack: below tools/ nothing prints, errors are values. */
void rgtg_h5_quiet(void);
/* The most specific message on HDF5's error stack, or else the one rgtg_h5_note_failure kept
 * ("unknown HDF5 error" when none); one line, the system's reason alone for a failed file write
 * ("No space left on device"); thread-local. */
const char *rgtg_h5_detail(void);
/* Keeps the message of a failure before the calls that clean up after it clear HDF5's stack. */
void rgtg_h5_note_failure(void);
/* A 1-D dataset of size elements, extendible, chunked (chunk elements), shuffled and deflated. */
hid_t rgtg_h5_create_1d(hid_t loc, const char *name, hid_t type, hsize_t size, hsize_t chunk);
hid_t rgtg_h5_create_group(hid_t loc, const char *name);
/* Writes (or replaces) a scalar attribute. */
herr_t rgtg_h5_write_attr(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, const void *value);

#endif
