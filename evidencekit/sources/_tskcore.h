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

PyObject *tskcore_hash_media(ImageObject *self, PyObject *args);
PyObject *tskcore_hash_file(FSObject *self, PyObject *args);
PyObject *tskcore_hash_files(FSObject *self, PyObject *args);

#endif
