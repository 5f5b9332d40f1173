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

PyObject *tskcore_hash_media(ImageObject *self, PyObject *args);
PyObject *tskcore_hash_file(FSObject *self, PyObject *args);
PyObject *tskcore_hash_files(FSObject *self, PyObject *args);

#endif
