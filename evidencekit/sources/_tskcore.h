/* Shared declarations of the native libtsk core (_tskcore.c, _tskhash.c). */
#ifndef EK_TSKCORE_H
#define EK_TSKCORE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <tsk/libtsk.h>

typedef struct {
    PyObject_HEAD
    TSK_IMG_INFO *img;
    volatile long long hashed; /* bytes hash_media has read so far (progress) */
} ImageObject;

typedef struct {
    PyObject_HEAD
    ImageObject *image;
    TSK_FS_INFO *fs;
    pthread_mutex_t lock; /* one libtsk call at a time on this handle */
} FSObject;

/* Both types can be created without __init__ (tp_new) and __init__ can be called again:
 * every method checks for an open handle, and a second __init__ is refused (it would
 * close a TSK handle another object or thread still uses). */
static inline int image_is_open(const ImageObject *self) {
    if (self->img) return 1;
    PyErr_SetString(PyExc_ValueError, "Image is not open");
    return 0;
}

static inline int fs_is_open(const FSObject *self) {
    if (self->fs) return 1;
    PyErr_SetString(PyExc_ValueError, "FileSystem is not open");
    return 0;
}

/* One directory entry loaded by libtsk (_tskcore.c) and its NTFS attributes. */
typedef struct {
    int type, id, size_ok;
    long long size;
    char *name;       /* attribute name or NULL */
    char *raw;        /* raw content of SI / FN / SEC, or NULL */
    ssize_t raw_len;
} AttrRec;

typedef struct {
    TSK_FS_FILE *file;   /* from the directory */
    TSK_FS_FILE *opened; /* opened by address (orphan without metadata), or NULL */
    AttrRec *attrs;
    int nattrs;
} EntryRec;

static inline const TSK_FS_META *entry_meta(const EntryRec *e) {
    if (e->opened) return e->opened->meta;
    return e->file->meta;
}

/* _tskentry.c: the Python objects made from an EntryRec (tuples, or walk.Entry objects
 * after set_entry_type) and the UTC time fields. */
int tskentry_init(void);
PyObject *tskentry_next(const EntryRec *e, int ntfs, PyObject *tmpl, PyObject *fs,
                        PyObject *prefix);
PyObject *tskentry_template(PyObject *precision);
PyObject *tskcore_set_entry_type(PyObject *module, PyObject *args);
PyObject *tskcore_utc_fields(PyObject *module, PyObject *args);

PyObject *tskcore_hash_media(ImageObject *self, PyObject *args);
PyObject *tskcore_hash_file(FSObject *self, PyObject *args);
PyObject *tskcore_hash_files(FSObject *self, PyObject *args);

#endif
