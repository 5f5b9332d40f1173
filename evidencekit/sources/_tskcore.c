/* Optional native core of the disk-image reader, on libtsk (The Sleuth Kit).
 *
 * Image: raw, split raw and EWF (libtsk reads E01 through its own libewf), media reads
 * and the whole-media MD5 + SHA-1 + SHA-256 (reader and digests on separate threads).
 * FileSystem: one directory's entries at a time, each with every field the pytsk3 walk
 * reads (walk.py keeps the recursion, so both paths share one set of rules), file and
 * stream reads, and a file's content read once into the three digests.
 * libtsk does the work with the GIL released; Python objects are built afterwards.
 */
#include "_tskcore.h"
#include <errno.h>
#include <string.h>

#define NTFS_SMALL 1024       /* $STANDARD_INFORMATION / $FILE_NAME read when this small */
#define NTFS_SEC_MAX 65536    /* a file's own $SECURITY_DESCRIPTOR read when this small */

static PyObject *tsk_oserror(const char *what) {
    const char *msg = tsk_error_get();
    PyErr_Format(PyExc_OSError, "%s: %s", what, msg ? msg : "unknown TSK error");
    tsk_error_reset();
    return NULL;
}

/* ------------------------------------------------------------------ Image */

static void Image_dealloc(ImageObject *self) {
    if (self->img) tsk_img_close(self->img);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Image_init(ImageObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"paths", "ewf", NULL};
    PyObject *seq;
    int ewf = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p", kwlist, &seq, &ewf)) return -1;
    if (self->img) {
        PyErr_SetString(PyExc_TypeError, "Image is already open");
        return -1;
    }
    /* The format is named, never detected: libtsk reads it as the reference path does. */
    TSK_IMG_TYPE_ENUM kind = ewf ? TSK_IMG_TYPE_EWF_EWF : TSK_IMG_TYPE_RAW;
    PyObject *fast = PySequence_Tuple(seq); /* a copy: __fspath__ may change a list */
    if (!fast) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(fast);
    if (n < 1 || n > 4096) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "paths: 1 to 4096 segment names");
        return -1;
    }
    /* File names as the OS takes them (os.fsencode: names that are not UTF-8 keep their
     * bytes; an embedded NUL is a ValueError, never a shorter name). */
    const char **names = PyMem_Calloc((size_t)n, sizeof(char *));
    PyObject **held = PyMem_Calloc((size_t)n, sizeof(PyObject *));
    int ok = names && held;
    if (!ok) PyErr_NoMemory();
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        ok = PyUnicode_FSConverter(PyTuple_GET_ITEM(fast, i), &held[i]);
        if (ok) names[i] = PyBytes_AS_STRING(held[i]);
    }
    TSK_IMG_INFO *img = NULL;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        img = n == 1 ? tsk_img_open_utf8_sing(names[0], kind, 0)
                     : tsk_img_open_utf8((int)n, names, kind, 0);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t i = 0; held && i < n; i++) Py_XDECREF(held[i]);
    PyMem_Free(held);
    PyMem_Free(names);
    Py_DECREF(fast);
    if (!ok) return -1;
    if (!img) { tsk_oserror("cannot open image"); return -1; }
    self->img = img;
    return 0;
}

static PyObject *Image_read(ImageObject *self, PyObject *args) {
    long long offset;
    Py_ssize_t length;
    if (!image_is_open(self) || !PyArg_ParseTuple(args, "Ln", &offset, &length)) return NULL;
    if (offset < 0 || length < 0 || length > (1 << 30)) {
        PyErr_SetString(PyExc_ValueError, "offset and length must be >= 0 (length <= 1 GiB)");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, length);
    if (!out) return NULL;
    ssize_t got;
    Py_BEGIN_ALLOW_THREADS
    got = length ? tsk_img_read(self->img, offset, PyBytes_AS_STRING(out), (size_t)length) : 0;
    Py_END_ALLOW_THREADS
    if (got < 0) { Py_DECREF(out); return tsk_oserror("image read error"); }
    if (got < length && _PyBytes_Resize(&out, got) < 0) return NULL;
    return out;
}

static PyObject *Image_get_size(ImageObject *self, void *closure) {
    if (!image_is_open(self)) return NULL;
    return PyLong_FromLongLong((long long)self->img->size);
}

static PyObject *Image_get_type(ImageObject *self, void *closure) {
    if (!image_is_open(self)) return NULL;
    return PyLong_FromUnsignedLong((unsigned long)self->img->itype);
}

static PyMethodDef Image_methods[] = {
    {"read", (PyCFunction)Image_read, METH_VARARGS, "read(offset, length) -> bytes"},
    {"hash_media", (PyCFunction)tskcore_hash_media, METH_VARARGS,
     "hash_media(block) -> (bytes_read, md5, sha1, sha256, error_offset, error)"},
    {NULL}};

static PyObject *Image_get_hashed(ImageObject *self, void *closure) {
    return PyLong_FromLongLong(self->hashed);
}

static PyGetSetDef Image_getset[] = {
    {"hashed", (getter)Image_get_hashed, NULL, "bytes hash_media has read so far", NULL},
    {"size", (getter)Image_get_size, NULL, "media size in bytes", NULL},
    {"itype", (getter)Image_get_type, NULL, "TSK image type", NULL},
    {NULL}};

PyTypeObject ImageType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "evidencekit.sources._tskcore.Image",
    .tp_basicsize = sizeof(ImageObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Image(paths, ewf=False): a raw/split or EWF image opened read-only by libtsk",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Image_init,
    .tp_dealloc = (destructor)Image_dealloc,
    .tp_methods = Image_methods,
    .tp_getset = Image_getset,
};

/* ------------------------------------------------------------- FileSystem */

static void FS_dealloc(FSObject *self) {
    if (self->fs) {
        tsk_fs_close(self->fs);
        pthread_mutex_destroy(&self->lock);
    }
    Py_XDECREF(self->image);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int FS_init(FSObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"image", "offset", NULL};
    ImageObject *image;
    long long offset;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!L", kwlist, &ImageType, &image, &offset))
        return -1;
    if (self->fs) {
        PyErr_SetString(PyExc_TypeError, "FileSystem is already open");
        return -1;
    }
    if (!image_is_open(image)) return -1;
    if (offset < 0 || offset >= (long long)image->img->size) {
        PyErr_Format(PyExc_OSError, "cannot open file system: offset %lld outside the image",
                     offset);
        return -1;
    }
    int rc = pthread_mutex_init(&self->lock, NULL);
    if (rc) {
        errno = rc;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    TSK_FS_INFO *fs;
    Py_BEGIN_ALLOW_THREADS
    fs = tsk_fs_open_img(image->img, offset, TSK_FS_TYPE_DETECT);
    Py_END_ALLOW_THREADS
    if (!fs) {
        pthread_mutex_destroy(&self->lock);
        tsk_oserror("cannot open file system");
        return -1;
    }
    self->fs = fs;
    Py_INCREF(image);
    Py_XSETREF(self->image, image);
    return 0;
}

static int all_zero(const char *p, ssize_t n) {
    for (ssize_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static char *read_attr(TSK_FS_FILE *f, int type, int id, long long size, ssize_t *len) {
    char *buf = malloc((size_t)size);
    if (!buf) { *len = 0; return NULL; }
    ssize_t got = tsk_fs_file_read_type(f, (TSK_FS_ATTR_TYPE_ENUM)type, (uint16_t)id, 0, buf,
                                        (size_t)size, TSK_FS_FILE_READ_FLAG_NONE);
    if (got < 0) { tsk_error_reset(); got = 0; }
    *len = got;
    return buf;
}

/* As walk._fill_ntfs: every attribute's type, id, name, size; raw bytes of the small ones. */
static void collect_ntfs(TSK_FS_INFO *fs, EntryRec *e, TSK_INUM_T addr) {
    TSK_FS_FILE *f = e->opened ? e->opened : e->file;
    int n = tsk_fs_file_attr_getsize(f);
    if (n <= 0) return;
    e->attrs = calloc((size_t)n, sizeof(AttrRec));
    if (!e->attrs) return;
    for (int i = 0; i < n; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (!a) { tsk_error_reset(); continue; }
        AttrRec *r = &e->attrs[e->nattrs++];
        r->type = (int)a->type;
        r->id = (int)a->id;
        r->size = (long long)a->size;
        r->name = a->name ? strdup(a->name) : NULL;
        int small = (r->type == TSK_FS_ATTR_TYPE_NTFS_SI || r->type == TSK_FS_ATTR_TYPE_NTFS_FNAME)
                    && r->size > 0 && r->size <= NTFS_SMALL;
        int sec = r->type == TSK_FS_ATTR_TYPE_NTFS_SEC && r->size > 0 && r->size <= NTFS_SEC_MAX;
        if (!small && !sec) continue;
        r->raw = read_attr(f, r->type, r->id, r->size, &r->raw_len);
        if (small && r->raw && all_zero(r->raw, r->raw_len)) {
            /* Some system files ($MFT) read only through a handle opened by address. */
            TSK_FS_FILE *again = tsk_fs_file_open_meta(fs, NULL, addr);
            if (!again) tsk_error_reset();
            free(r->raw);
            r->raw = read_attr(again ? again : f, r->type, r->id, r->size, &r->raw_len);
            if (again) tsk_fs_file_close(again);
        }
    }
}

static void free_entries(EntryRec *recs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < recs[i].nattrs; j++) {
            free(recs[i].attrs[j].name);
            free(recs[i].attrs[j].raw);
        }
        free(recs[i].attrs);
        if (recs[i].opened) tsk_fs_file_close(recs[i].opened);
        if (recs[i].file) tsk_fs_file_close(recs[i].file);
    }
    free(recs);
}

/* Runs without the GIL: open the directory and load every entry (metadata, NTFS extras). */
static TSK_FS_DIR *load_dir(TSK_FS_INFO *fs, TSK_INUM_T inode, EntryRec **out, size_t *count) {
    TSK_FS_DIR *dir = tsk_fs_dir_open_meta(fs, inode);
    *out = NULL;
    *count = 0;
    if (!dir) return NULL;
    size_t n = tsk_fs_dir_getsize(dir);
    EntryRec *recs = calloc(n ? n : 1, sizeof(EntryRec));
    if (!recs) return dir;
    int ntfs = TSK_FS_TYPE_ISNTFS(fs->ftype);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        TSK_FS_FILE *f = tsk_fs_dir_get(dir, i);
        if (!f) { tsk_error_reset(); continue; }
        const char *nm = f->name ? f->name->name : NULL;
        if (!f->name || (nm && (!strcmp(nm, ".") || !strcmp(nm, "..")))) {
            tsk_fs_file_close(f);
            continue;
        }
        EntryRec *e = &recs[k++];
        e->file = f;
        TSK_INUM_T addr = f->name->meta_addr;
        if (!f->meta && addr) {
            /* Orphan entries come without their metadata loaded; fls loads it by address. */
            e->opened = tsk_fs_file_open_meta(fs, NULL, addr);
            if (!e->opened) tsk_error_reset();
        }
        if (ntfs && entry_meta(e)) collect_ntfs(fs, e, addr);
    }
    *out = recs;
    *count = k;
    return dir;
}

/* ----------------------------------------------------------------- Listing */

/* One directory's entries, loaded by libtsk and handed out one tuple at a time: each
 * entry's objects are made when asked for, so they die young (a whole directory made at
 * once is promoted through the collector's generations and traversed again). */
typedef struct {
    PyObject_HEAD
    FSObject *fs;     /* holds the TSK handle the records came from */
    EntryRec *recs;   /* NULL once released */
    size_t count, next;
    int ntfs;
    int busy;         /* in Listing_next: code run meanwhile (a collection, another thread)
                       * must not read on and free the record being made */
    PyObject *tmpl;   /* time field template, or NULL */
    PyObject *owner;  /* the walk's FileSystem for Entry objects, or NULL */
    PyObject *prefix; /* the path prefix of this directory's entries, or NULL */
} ListingObject;

static void Listing_release(ListingObject *self) {
    if (!self->recs) return;
    EntryRec *recs = self->recs;
    self->recs = NULL;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->fs->lock);
    free_entries(recs, self->count);
    pthread_mutex_unlock(&self->fs->lock);
    Py_END_ALLOW_THREADS
}

static void Listing_dealloc(ListingObject *self) {
    Listing_release(self);
    Py_XDECREF(self->tmpl);
    Py_XDECREF(self->owner);
    Py_XDECREF(self->prefix);
    Py_XDECREF(self->fs);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Listing_next(ListingObject *self) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Listing is already being read");
        return NULL;
    }
    if (!self->recs || self->next >= self->count) {
        Listing_release(self);
        return NULL; /* StopIteration */
    }
    self->busy = 1;
    PyObject *out = tskentry_next(&self->recs[self->next++], self->ntfs, self->tmpl,
                                  self->owner, self->prefix);
    self->busy = 0;
    return out;
}

static PyTypeObject ListingType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "evidencekit.sources._tskcore.Listing",
    .tp_basicsize = sizeof(ListingObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The entries of one directory (from FileSystem.iter_dir), one tuple at a time",
    .tp_dealloc = (destructor)Listing_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Listing_next,
};

static PyObject *FS_iter_dir(FSObject *self, PyObject *args) {
    unsigned long long inode;
    PyObject *precision = Py_None, *owner = Py_None, *prefix = Py_None;
    if (!fs_is_open(self) ||
        !PyArg_ParseTuple(args, "K|OOO", &inode, &precision, &owner, &prefix))
        return NULL;
    if ((precision != Py_None && !PyUnicode_Check(precision)) ||
        (owner != Py_None && !PyUnicode_Check(prefix))) {
        PyErr_SetString(PyExc_TypeError, "precision: str or None; with an owner, prefix: str");
        return NULL;
    }
    ListingObject *out = PyObject_New(ListingObject, &ListingType);
    if (!out) return NULL;
    out->owner = owner == Py_None ? NULL : Py_NewRef(owner);
    out->prefix = owner == Py_None ? NULL : Py_NewRef(prefix);
    out->fs = (FSObject *)Py_NewRef(self);
    out->recs = NULL;
    out->count = out->next = 0;
    out->busy = 0;
    out->ntfs = TSK_FS_TYPE_ISNTFS(self->fs->ftype);
    out->tmpl = precision == Py_None ? NULL : tskentry_template(precision);
    if (precision != Py_None && !out->tmpl) { Py_DECREF(out); return NULL; }
    EntryRec *recs = NULL;
    size_t count = 0;
    TSK_FS_DIR *dir;
    char err[4096] = ""; /* TSK messages are at most two 1 KiB parts */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    dir = load_dir(self->fs, (TSK_INUM_T)inode, &recs, &count);
    if (!dir) {
        /* pytsk3's text when libtsk set no error (the reference walk records that) */
        const char *msg = tsk_error_get();
        snprintf(err, sizeof err, "%s", msg ? msg : "unknown libtsk error");
        tsk_error_reset();
    } else {
        tsk_fs_dir_close(dir); /* the loaded files are copies, closed on their own */
    }
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (!dir) {
        Py_DECREF(out);
        return PyErr_Format(PyExc_OSError, "Unable to open directory: %s", err);
    }
    if (!recs) { Py_DECREF(out); return PyErr_NoMemory(); }
    out->recs = recs;
    out->count = count;
    return (PyObject *)out;
}

static PyObject *FS_list_dir(FSObject *self, PyObject *args) {
    PyObject *listing = FS_iter_dir(self, args);
    if (!listing) return NULL;
    PyObject *list = PySequence_List(listing);
    Py_DECREF(listing);
    return list;
}

static PyObject *FS_read(FSObject *self, PyObject *args) {
    unsigned long long inode;
    long long offset;
    Py_ssize_t length;
    int type = -1, id = -1;
    if (!fs_is_open(self) ||
        !PyArg_ParseTuple(args, "KLn|ii", &inode, &offset, &length, &type, &id))
        return NULL;
    if (offset < 0 || length < 0 || length > (1 << 30) || id > 0xffff) {
        PyErr_SetString(PyExc_ValueError, "bad offset, length or attribute id");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, length);
    if (!out) return NULL;
    ssize_t got = -1;
    char err[4096] = ""; /* TSK messages are at most two 1 KiB parts */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    TSK_FS_FILE *f = tsk_fs_file_open_meta(self->fs, NULL, (TSK_INUM_T)inode);
    if (f) {
        got = id < 0 ? tsk_fs_file_read(f, offset, PyBytes_AS_STRING(out), (size_t)length,
                                         TSK_FS_FILE_READ_FLAG_NONE)
                     : tsk_fs_file_read_type(f, (TSK_FS_ATTR_TYPE_ENUM)type, (uint16_t)id,
                                             offset, PyBytes_AS_STRING(out), (size_t)length,
                                             TSK_FS_FILE_READ_FLAG_NONE);
    }
    if (got < 0) {
        const char *msg = tsk_error_get();
        snprintf(err, sizeof err, "%s", msg ? msg : "unknown TSK error");
        tsk_error_reset();
    }
    if (f) tsk_fs_file_close(f);
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (got < 0) {
        Py_DECREF(out);
        return PyErr_Format(PyExc_OSError, "Read error: %s", err);
    }
    if (got < length && _PyBytes_Resize(&out, got) < 0) return NULL;
    return out;
}

static PyObject *FS_get(FSObject *self, void *closure) {
    TSK_FS_INFO *fs = self->fs;
    if (!fs_is_open(self)) return NULL;
    switch ((int)(intptr_t)closure) {
    case 0: return PyLong_FromUnsignedLong((unsigned long)fs->ftype);
    case 1: return PyLong_FromUnsignedLong((unsigned long)fs->block_size);
    case 2: return PyLong_FromUnsignedLongLong((unsigned long long)fs->block_count);
    default: return PyLong_FromUnsignedLongLong((unsigned long long)fs->root_inum);
    }
}

static PyMethodDef FS_methods[] = {
    {"iter_dir", (PyCFunction)FS_iter_dir, METH_VARARGS,
     "iter_dir(inode[, precision[, owner, prefix]]) -> iterator of list_dir's tuples, made "
     "one at a time; with owner (the walk's FileSystem), Entry objects where set_entry_type "
     "allows"},
    {"list_dir", (PyCFunction)FS_list_dir, METH_VARARGS,
     "list_dir(inode[, precision]) -> [(name, meta_addr, meta_seq, name_type, name_flags, "
     "meta, attrs)]; meta = (type, flags, size, mode, uid, gid, times, time_fields, "
     "body_stamps), the last two made when precision (a UTC file system's) is given"},
    {"read", (PyCFunction)FS_read, METH_VARARGS,
     "read(inode, offset, length[, attr_type, attr_id]) -> bytes"},
    {"hash_files", (PyCFunction)tskcore_hash_files, METH_VARARGS,
     "hash_files([(inode, size), ...], keep) -> [hash_file result, ...] (default streams)"},
    {"hash_file", (PyCFunction)tskcore_hash_file, METH_VARARGS,
     "hash_file(inode, size, keep[, attr_type, attr_id]) -> (read, md5, sha1, sha256, head, "
     "error)"},
    {NULL}};

static PyGetSetDef FS_getset[] = {
    {"ftype", (getter)FS_get, NULL, "TSK file-system type", (void *)0},
    {"block_size", (getter)FS_get, NULL, "block size", (void *)1},
    {"block_count", (getter)FS_get, NULL, "block count", (void *)2},
    {"root_inum", (getter)FS_get, NULL, "root directory address", (void *)3},
    {NULL}};

PyTypeObject FSType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "evidencekit.sources._tskcore.FileSystem",
    .tp_basicsize = sizeof(FSObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "FileSystem(image, offset): a file system opened by libtsk",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)FS_init,
    .tp_dealloc = (destructor)FS_dealloc,
    .tp_methods = FS_methods,
    .tp_getset = FS_getset,
};

static PyMethodDef tskcore_functions[] = {
    {"set_entry_type", tskcore_set_entry_type, METH_VARARGS,
     "set_entry_type(cls, fields, name_types, meta_types, name_chars, meta_chars)"},
    {"utc_fields", tskcore_utc_fields, METH_VARARGS,
     "utc_fields(crtime, crtime_nano, mtime, mtime_nano, atime, atime_nano, ctime, "
     "ctime_nano, precision) -> (time_fields, body_stamps) as iter_dir makes them"},
    {NULL}};

/* ------------------------------------------------------------------ module */

static struct PyModuleDef tskcore_module = {
    PyModuleDef_HEAD_INIT, "_tskcore", "Native libtsk core of evidencekit.sources", -1,
    tskcore_functions, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tskcore(void) {
    if (PyType_Ready(&ImageType) < 0 || PyType_Ready(&FSType) < 0 ||
        PyType_Ready(&ListingType) < 0 || tskentry_init() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&tskcore_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Image", (PyObject *)&ImageType) < 0 ||
        PyModule_AddObjectRef(m, "FileSystem", (PyObject *)&FSType) < 0 ||
        PyModule_AddStringConstant(m, "TSK_VERSION", tsk_version_get_str()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
