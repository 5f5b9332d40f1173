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

static const TSK_FS_META *entry_meta(const EntryRec *e) {
    if (e->opened) return e->opened->meta;
    return e->file->meta;
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

static PyObject *attrs_tuple(const EntryRec *e) {
    PyObject *t = PyTuple_New(e->nattrs);
    if (!t) return NULL;
    for (int j = 0; j < e->nattrs; j++) {
        const AttrRec *r = &e->attrs[j];
        PyObject *item = Py_BuildValue(
            "iiy#Ly#", r->type, r->id, r->name, (Py_ssize_t)(r->name ? strlen(r->name) : 0),
            r->size, r->raw, (Py_ssize_t)(r->raw ? r->raw_len : 0));
        if (!item) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, j, item);
    }
    return t;
}

static PyObject *role_names[2][4];
static PyObject *field_keys[5]; /* time_role, time, time_original, time_offset, time_precision */
static PyObject *utc_mark;      /* "Z" */

/* Nonzero times only, in the order crtime, mtime, atime, ctime (walk._set_times). */
static PyObject *times_dict(const TSK_FS_META *m, int ntfs) {
    const long long secs[4] = {m->crtime, m->mtime, m->atime, m->ctime};
    const unsigned int nanos[4] = {m->crtime_nano, m->mtime_nano, m->atime_nano, m->ctime_nano};
    PyObject *d = PyDict_New();
    for (int i = 0; d && i < 4; i++) {
        if (!secs[i] && !nanos[i]) continue;
        PyObject *v = Py_BuildValue("(LI)", secs[i], nanos[i]);
        if (!v || PyDict_SetItem(d, role_names[ntfs][i], v) < 0) Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

#define UTC_MIN_S (-11644473600LL) /* 1601-01-01, events.time.format_ns's range */
#define UTC_MAX_S 253402300799LL   /* 9999-12-31T23:59:59 */

/* events.time.format_ns(seconds * 10**9 + nanos) into buf (31 bytes), or 0 when outside
 * its range. Days to civil date: H. Hinnant's algorithm, proleptic Gregorian. */
static int utc_text(long long secs, unsigned int nanos, char *buf) {
    secs += nanos / 1000000000u;
    nanos %= 1000000000u;
    if (secs < UTC_MIN_S || secs > UTC_MAX_S) return 0;
    long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    long long rest = secs - days * 86400;
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", year, month, day,
             (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60), nanos);
    return 1;
}

/* image_events.entry_times of a UTC file system (roles in sorted order: atime, crtime,
 * ctime, mtime), and the body file's (atime, mtime, ctime, crtime) seconds. Sets *fields
 * to None when a time is outside format_ns's range (Python then raises its TimeError). */
static int utc_fields(const TSK_FS_META *m, PyObject *precision, PyObject **fields,
                      PyObject **stamps) {
    /* atime, crtime, ctime, mtime: the order sorted() gives the role names */
    const long long secs[4] = {m->atime, m->crtime, m->ctime, m->mtime};
    const unsigned int nanos[4] = {m->atime_nano, m->crtime_nano, m->ctime_nano, m->mtime_nano};
    static const int role_of[4] = {2, 0, 3, 1}; /* index into role_names[0] */
    long long epoch[4] = {0, 0, 0, 0};
    PyObject *list = PyList_New(0);
    for (int i = 0; list && i < 4; i++) {
        if (!secs[i] && !nanos[i]) continue;
        char text[32], original[48];
        if (!utc_text(secs[i], nanos[i], text)) {
            Py_DECREF(list);
            *fields = Py_NewRef(Py_None);
            *stamps = Py_NewRef(Py_None);
            return 0;
        }
        epoch[i] = secs[i] + nanos[i] / 1000000000u;
        snprintf(original, sizeof original, "%lld.%09u", secs[i], nanos[i]);
        PyObject *d = PyDict_New();
        PyObject *t = PyUnicode_FromString(text), *o = PyUnicode_FromString(original);
        int bad = !d || !t || !o || PyDict_SetItem(d, field_keys[0], role_names[0][role_of[i]]) ||
                  PyDict_SetItem(d, field_keys[1], t) || PyDict_SetItem(d, field_keys[2], o) ||
                  PyDict_SetItem(d, field_keys[3], utc_mark) ||
                  PyDict_SetItem(d, field_keys[4], precision) || PyList_Append(list, d);
        Py_XDECREF(d);
        Py_XDECREF(t);
        Py_XDECREF(o);
        if (bad) Py_CLEAR(list);
    }
    if (!list) return -1;
    /* body order: atime, mtime, ctime, crtime */
    *stamps = Py_BuildValue("(LLLL)", epoch[0], epoch[3], epoch[2], epoch[1]);
    if (!*stamps) { Py_DECREF(list); return -1; }
    *fields = list;
    return 0;
}

/* precision: NULL, or entry_times' time_precision for a UTC file system (then the fields
 * and body seconds are made here too; else both are None). */
static PyObject *meta_tuple(const TSK_FS_META *m, int ntfs, PyObject *precision) {
    PyObject *fields = NULL, *stamps = NULL;
    if (!precision || ntfs) {
        fields = Py_NewRef(Py_None);
        stamps = Py_NewRef(Py_None);
    } else if (utc_fields(m, precision, &fields, &stamps) < 0) {
        return NULL;
    }
    PyObject *times = times_dict(m, ntfs);
    if (!times) { Py_DECREF(fields); Py_DECREF(stamps); return NULL; }
    return Py_BuildValue("(iiLiKKNNN)", (int)m->type, (int)m->flags, (long long)m->size,
                         (int)m->mode, (unsigned long long)m->uid, (unsigned long long)m->gid,
                         times, fields, stamps);
}

/* The name as str when it is valid UTF-8 without control characters, else the bytes
 * (walk.decode_name then records what is wrong with it). */
static PyObject *name_object(const char *nm) {
    size_t len = strlen(nm);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)nm[i];
        if (c < 0x20 || c == 0x7f) return PyBytes_FromStringAndSize(nm, (Py_ssize_t)len);
    }
    PyObject *text = PyUnicode_DecodeUTF8(nm, (Py_ssize_t)len, "strict");
    if (text) return text;
    PyErr_Clear();
    return PyBytes_FromStringAndSize(nm, (Py_ssize_t)len);
}

static PyObject *entry_tuple(const EntryRec *e, int ntfs, PyObject *precision) {
    const TSK_FS_NAME *n = e->file->name;
    const TSK_FS_META *m = entry_meta(e);
    PyObject *meta = m ? meta_tuple(m, ntfs, precision) : Py_NewRef(Py_None);
    if (!meta) return NULL;
    PyObject *attrs = (ntfs && m) ? attrs_tuple(e) : Py_NewRef(Py_None);
    if (!attrs) { Py_DECREF(meta); return NULL; }
    PyObject *name = name_object(n->name ? n->name : "");
    if (!name) { Py_DECREF(meta); Py_DECREF(attrs); return NULL; }
    return Py_BuildValue("(NKIiiNN)", name, (unsigned long long)n->meta_addr,
                         (unsigned int)n->meta_seq, (int)n->type, (int)n->flags, meta, attrs);
}

static PyObject *FS_list_dir(FSObject *self, PyObject *args) {
    unsigned long long inode;
    PyObject *precision = Py_None;
    if (!fs_is_open(self) || !PyArg_ParseTuple(args, "K|O", &inode, &precision)) return NULL;
    if (precision != Py_None && !PyUnicode_Check(precision)) {
        PyErr_SetString(PyExc_TypeError, "precision must be a str or None");
        return NULL;
    }
    if (precision == Py_None) precision = NULL;
    EntryRec *recs;
    size_t count;
    TSK_FS_DIR *dir;
    char err[4096] = ""; /* TSK messages are at most two 1 KiB parts */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    dir = load_dir(self->fs, (TSK_INUM_T)inode, &recs, &count);
    if (!dir) {
        const char *msg = tsk_error_get();
        snprintf(err, sizeof err, "%s", msg ? msg : "unknown TSK error");
        tsk_error_reset();
    }
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (!dir) return PyErr_Format(PyExc_OSError, "Unable to open directory: %s", err);
    int ntfs = TSK_FS_TYPE_ISNTFS(self->fs->ftype);
    PyObject *list = recs ? PyList_New((Py_ssize_t)count) : PyErr_NoMemory();
    for (size_t i = 0; list && i < count; i++) {
        PyObject *t = entry_tuple(&recs[i], ntfs, precision);
        if (!t) Py_CLEAR(list);
        else PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    free_entries(recs, count);
    tsk_fs_dir_close(dir);
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
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

/* ------------------------------------------------------------------ module */

static struct PyModuleDef tskcore_module = {
    PyModuleDef_HEAD_INIT, "_tskcore", "Native libtsk core of evidencekit.sources", -1,
    NULL, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tskcore(void) {
    if (PyType_Ready(&ImageType) < 0 || PyType_Ready(&FSType) < 0) return NULL;
    static const char *roles[2][4] = {{"crtime", "mtime", "atime", "ctime"},
                                      {"si_crtime", "si_mtime", "si_atime", "si_ctime"}};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 4; i++)
            if (!(role_names[k][i] = PyUnicode_InternFromString(roles[k][i]))) return NULL;
    static const char *keys[5] = {"time_role", "time", "time_original", "time_offset",
                                  "time_precision"};
    for (int i = 0; i < 5; i++)
        if (!(field_keys[i] = PyUnicode_InternFromString(keys[i]))) return NULL;
    if (!(utc_mark = PyUnicode_InternFromString("Z"))) return NULL;
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
