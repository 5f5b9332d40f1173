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
#include <structmember.h>
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

/* (a, b) as a new tuple of two ints (Py_BuildValue parses its format every call). */
static PyObject *pair(long long a, unsigned int b) {
    PyObject *t = PyTuple_New(2);
    if (!t) return NULL;
    PyObject *x = PyLong_FromLongLong(a), *y = PyLong_FromUnsignedLong(b);
    if (!x || !y) { Py_XDECREF(x); Py_XDECREF(y); Py_DECREF(t); return NULL; }
    PyTuple_SET_ITEM(t, 0, x);
    PyTuple_SET_ITEM(t, 1, y);
    return t;
}

/* Nonzero times only, in the order crtime, mtime, atime, ctime (walk._set_times). */
static PyObject *times_dict(const TSK_FS_META *m, int ntfs) {
    const long long secs[4] = {m->crtime, m->mtime, m->atime, m->ctime};
    const unsigned int nanos[4] = {m->crtime_nano, m->mtime_nano, m->atime_nano, m->ctime_nano};
    PyObject *d = PyDict_New();
    for (int i = 0; d && i < 4; i++) {
        if (!secs[i] && !nanos[i]) continue;
        PyObject *v = pair(secs[i], nanos[i]);
        if (!v || PyDict_SetItem(d, role_names[ntfs][i], v) < 0) Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

#define UTC_MIN_S (-11644473600LL) /* 1601-01-01, events.time.format_ns's range */
#define UTC_MAX_S 253402300799LL   /* 9999-12-31T23:59:59 */

/* The decimal digits of v, zero-padded to width, at p; returns the end. */
static char *digits(char *p, unsigned long long v, int width) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n < width) tmp[n++] = '0';
    while (n) *p++ = tmp[--n];
    return p;
}

/* An ASCII buffer as str. */
static PyObject *ascii_text(const char *buf, Py_ssize_t len) {
    PyObject *s = PyUnicode_New(len, 127);
    if (s) memcpy(PyUnicode_1BYTE_DATA(s), buf, (size_t)len);
    return s;
}

/* events.time.format_ns(seconds * 10**9 + nanos) as str, or NULL without an exception
 * when outside its range. Days to civil date: H. Hinnant's algorithm, proleptic
 * Gregorian. */
static PyObject *utc_text(long long secs, unsigned int nanos) {
    if (secs < UTC_MIN_S - 5 || secs > UTC_MAX_S) return NULL; /* (no overflow below) */
    secs += nanos / 1000000000u;
    nanos %= 1000000000u;
    if (secs < UTC_MIN_S || secs > UTC_MAX_S) return NULL;
    long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    long long rest = secs - days * 86400;
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    char buf[32], *p = buf;
    p = digits(p, (unsigned long long)(yoe + era * 400 + (month <= 2)), 4);
    *p++ = '-';
    p = digits(p, (unsigned long long)month, 2);
    *p++ = '-';
    p = digits(p, (unsigned long long)(doy - (153 * mp + 2) / 5 + 1), 2);
    *p++ = 'T';
    p = digits(p, (unsigned long long)(rest / 3600), 2);
    *p++ = ':';
    p = digits(p, (unsigned long long)(rest / 60 % 60), 2);
    *p++ = ':';
    p = digits(p, (unsigned long long)(rest % 60), 2);
    *p++ = '.';
    p = digits(p, nanos, 9);
    *p++ = 'Z';
    return ascii_text(buf, p - buf);
}

/* f"{seconds}.{nanos:09d}" (image_events' time_original). */
static PyObject *original_text(long long secs, unsigned int nanos) {
    char buf[48], *p = buf;
    if (secs < 0) *p++ = '-';
    p = digits(p, secs < 0 ? 0ULL - (unsigned long long)secs : (unsigned long long)secs, 1);
    *p++ = '.';
    p = digits(p, nanos, 9);
    return ascii_text(buf, p - buf);
}

/* One entry_times dict: time_role, time, time_original, time_offset, time_precision; a
 * copy of the template (time_offset and time_precision set) with three values replaced. */
static PyObject *time_field(PyObject *tmpl, PyObject *role, PyObject *text, PyObject *orig) {
    PyObject *d = PyDict_Copy(tmpl);
    if (d && (PyDict_SetItem(d, field_keys[0], role) || PyDict_SetItem(d, field_keys[1], text) ||
              PyDict_SetItem(d, field_keys[2], orig)))
        Py_CLEAR(d);
    return d;
}

/* image_events.entry_times of a UTC file system (roles in sorted order: atime, crtime,
 * ctime, mtime), and the body file's (atime, mtime, ctime, crtime) seconds. Both are
 * None when a time is outside format_ns's range (Python then raises its TimeError).
 * Roles with the same time share its two strings (a, m and c often agree). */
static int utc_fields(const TSK_FS_META *m, PyObject *tmpl, PyObject **fields,
                      PyObject **stamps, long long body[4]) {
    const long long secs[4] = {m->atime, m->crtime, m->ctime, m->mtime};
    const unsigned int nanos[4] = {m->atime_nano, m->crtime_nano, m->ctime_nano, m->mtime_nano};
    static const int role_of[4] = {2, 0, 3, 1}; /* index into role_names[0] */
    long long epoch[4] = {0, 0, 0, 0};
    PyObject *text[4] = {NULL}, *orig[4] = {NULL};
    PyObject *list = PyList_New(0);
    int out_of_range = 0;
    for (int i = 0; list && i < 4; i++) {
        if (!secs[i] && !nanos[i]) continue;
        for (int j = 0; j < i && !text[i]; j++)
            if (text[j] && secs[j] == secs[i] && nanos[j] == nanos[i]) {
                text[i] = Py_NewRef(text[j]);
                orig[i] = Py_NewRef(orig[j]);
            }
        if (!text[i]) {
            text[i] = utc_text(secs[i], nanos[i]);
            if (!text[i] && !PyErr_Occurred()) { out_of_range = 1; break; }
            orig[i] = text[i] ? original_text(secs[i], nanos[i]) : NULL;
        }
        epoch[i] = secs[i] + nanos[i] / 1000000000u;
        PyObject *d = orig[i] ? time_field(tmpl, role_names[0][role_of[i]], text[i], orig[i])
                              : NULL;
        if (!d || PyList_Append(list, d) < 0) Py_CLEAR(list);
        Py_XDECREF(d);
    }
    for (int i = 0; i < 4; i++) { Py_XDECREF(text[i]); Py_XDECREF(orig[i]); }
    if (out_of_range) {
        Py_DECREF(list);
        *fields = Py_NewRef(Py_None);
        *stamps = Py_NewRef(Py_None);
        return 0;
    }
    if (!list) return -1;
    /* body order: atime, mtime, ctime, crtime */
    body[0] = epoch[0];
    body[1] = epoch[3];
    body[2] = epoch[2];
    body[3] = epoch[1];
    PyObject *t = PyTuple_New(4);
    for (int i = 0; t && i < 4; i++) {
        PyObject *v = PyLong_FromLongLong(body[i]);
        if (!v) Py_CLEAR(t);
        else PyTuple_SET_ITEM(t, i, v);
    }
    if (!t) { Py_DECREF(list); return -1; }
    *fields = list;
    *stamps = t;
    return 0;
}

/* A new tuple of n owned references (each stolen, NULLs allowed: then all are released). */
static PyObject *tuple_of(Py_ssize_t n, PyObject **items) {
    PyObject *t = NULL;
    int ok = 1;
    for (Py_ssize_t i = 0; i < n; i++) ok = ok && items[i];
    if (ok) t = PyTuple_New(n);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (t) PyTuple_SET_ITEM(t, i, items[i]);
        else Py_XDECREF(items[i]);
    }
    return t;
}

/* tmpl: NULL, or a time field template for a UTC file system (then the fields and body
 * seconds are made here too; else both are None). */
static PyObject *meta_tuple(const TSK_FS_META *m, int ntfs, PyObject *tmpl) {
    PyObject *fields = NULL, *stamps = NULL;
    if (!tmpl || ntfs) {
        fields = Py_NewRef(Py_None);
        stamps = Py_NewRef(Py_None);
    } else if (utc_fields(m, tmpl, &fields, &stamps, (long long[4]){0}) < 0) {
        return NULL;
    }
    PyObject *items[9] = {
        PyLong_FromLong((long)m->type), PyLong_FromLong((long)m->flags),
        PyLong_FromLongLong((long long)m->size), PyLong_FromLong((long)m->mode),
        PyLong_FromUnsignedLongLong((unsigned long long)m->uid),
        PyLong_FromUnsignedLongLong((unsigned long long)m->gid), times_dict(m, ntfs), fields,
        stamps};
    return tuple_of(9, items);
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

static PyObject *entry_tuple(const EntryRec *e, int ntfs, PyObject *tmpl) {
    const TSK_FS_NAME *n = e->file->name;
    const TSK_FS_META *m = entry_meta(e);
    PyObject *meta = m ? meta_tuple(m, ntfs, tmpl) : Py_NewRef(Py_None);
    if (!meta) return NULL;
    PyObject *attrs = (ntfs && m) ? attrs_tuple(e) : Py_NewRef(Py_None);
    if (!attrs) { Py_DECREF(meta); return NULL; }
    PyObject *name = name_object(n->name ? n->name : "");
    if (!name) { Py_DECREF(meta); Py_DECREF(attrs); return NULL; }
    PyObject *items[7] = {name, PyLong_FromUnsignedLongLong((unsigned long long)n->meta_addr),
                          PyLong_FromUnsignedLong((unsigned long)n->meta_seq),
                          PyLong_FromLong((long)n->type), PyLong_FromLong((long)n->flags), meta,
                          attrs};
    return tuple_of(7, items);
}

/* ------------------------------------------------------------ Entry objects */

/* After set_entry_type, iter_dir makes walk.Entry objects itself for the entries whose
 * make() needs no more Python (not NTFS, metadata loaded, a name that is valid UTF-8
 * without control characters): the fields make() gives, written to Entry's slots. */
enum { F_FS, F_PATH, F_NAME, F_INODE, F_SEQUENCE, F_NAME_TYPE, F_META_TYPE, F_NAME_ALLOC,
       F_META_ALLOC, F_SIZE, F_MODE, F_UID, F_GID, F_TIMES, F_FILETIMES, F_DATA_ATTR,
       F_FN_ATTR, F_SECURITY_ID, F_OWNER_SID, F_STREAMS, F_NAME_PROBLEMS, F_FILE,
       F_TIME_FIELDS, F_BODY_STAMPS, F_BODY_TAIL, F_COUNT };
#define TYPE_TABLE 16 /* TSK name / meta type values with a table entry; then "unknown" */
static PyTypeObject *entry_type;
static Py_ssize_t entry_off[F_COUNT];
static PyObject *type_names[2][TYPE_TABLE + 1]; /* [0] name types, [1] meta types */
static char type_chars[2][TYPE_TABLE + 1];

static PyObject *type_name(int meta, int value) {
    unsigned v = (unsigned)value;
    return Py_NewRef(type_names[meta][v < TYPE_TABLE ? v : TYPE_TABLE]);
}

static char type_char(int meta, int value) {
    unsigned v = (unsigned)value;
    return type_chars[meta][v < TYPE_TABLE ? v : TYPE_TABLE];
}

/* image_events.body_lines' line after the name: |inode|mode|uid|gid|size|a|m|c|cr */
static PyObject *body_tail(const TSK_FS_NAME *n, const TSK_FS_META *m, const long long t[4]) {
    char buf[256], *p = buf;
    *p++ = '|';
    p = digits(p, (unsigned long long)n->meta_addr, 1);
    *p++ = '|';
    *p++ = type_char(0, (int)n->type);
    *p++ = '/';
    *p++ = type_char(1, (int)m->type);
    int mode = (int)m->mode;
    for (int i = 0; i < 9; i++) *p++ = (mode & (1 << (8 - i))) ? "rwxrwxrwx"[i] : '-';
    const unsigned long long ids[2] = {(unsigned long long)m->uid, (unsigned long long)m->gid};
    for (int i = 0; i < 2; i++) { *p++ = '|'; p = digits(p, ids[i], 1); }
    long long nums[5] = {(long long)m->size, t[0], t[1], t[2], t[3]};
    for (int i = 0; i < 5; i++) {
        *p++ = '|';
        if (nums[i] < 0) *p++ = '-';
        p = digits(p, nums[i] < 0 ? 0ULL - (unsigned long long)nums[i]
                                  : (unsigned long long)nums[i], 1);
    }
    return ascii_text(buf, p - buf);
}

/* A walk.Entry for a non-NTFS entry with metadata and a clean name (stolen); tmpl as
 * meta_tuple's. NULL with an exception on failure. */
static PyObject *entry_object(const EntryRec *e, const TSK_FS_META *m, PyObject *name,
                              PyObject *fs, PyObject *prefix, PyObject *tmpl) {
    const TSK_FS_NAME *n = e->file->name;
    PyObject *v[F_COUNT] = {NULL};
    long long t[4];
    v[F_TIME_FIELDS] = v[F_BODY_STAMPS] = NULL;
    if (!tmpl) {
        v[F_TIME_FIELDS] = Py_NewRef(Py_None);
        v[F_BODY_STAMPS] = Py_NewRef(Py_None);
    } else if (utc_fields(m, tmpl, &v[F_TIME_FIELDS], &v[F_BODY_STAMPS], t) < 0) {
        Py_DECREF(name);
        return NULL;
    }
    int tail = tmpl && v[F_TIME_FIELDS] != Py_None;
    v[F_BODY_TAIL] = tail ? body_tail(n, m, t) : Py_NewRef(Py_None);
    v[F_FS] = Py_NewRef(fs);
    v[F_PATH] = PyUnicode_Concat(prefix, name);
    v[F_NAME] = name;
    v[F_INODE] = PyLong_FromUnsignedLongLong((unsigned long long)n->meta_addr);
    v[F_SEQUENCE] = Py_NewRef(Py_None);
    v[F_NAME_TYPE] = type_name(0, (int)n->type);
    v[F_META_TYPE] = type_name(1, (int)m->type);
    v[F_NAME_ALLOC] = PyBool_FromLong(!((int)n->flags & TSK_FS_NAME_FLAG_UNALLOC));
    v[F_META_ALLOC] = PyBool_FromLong((int)m->flags & TSK_FS_META_FLAG_ALLOC);
    v[F_SIZE] = PyLong_FromLongLong((long long)m->size);
    v[F_MODE] = PyLong_FromLong((long)(int)m->mode);
    v[F_UID] = PyLong_FromUnsignedLongLong((unsigned long long)m->uid);
    v[F_GID] = PyLong_FromUnsignedLongLong((unsigned long long)m->gid);
    v[F_TIMES] = times_dict(m, 0);
    v[F_FILETIMES] = PyDict_New();
    v[F_DATA_ATTR] = Py_NewRef(Py_None);
    v[F_FN_ATTR] = Py_NewRef(Py_None);
    v[F_SECURITY_ID] = Py_NewRef(Py_None);
    v[F_OWNER_SID] = Py_NewRef(Py_None);
    v[F_STREAMS] = PyList_New(0);
    v[F_NAME_PROBLEMS] = PyList_New(0);
    v[F_FILE] = Py_NewRef(Py_None);
    PyObject *obj = NULL;
    int ok = 1;
    for (int k = 0; k < F_COUNT; k++) ok = ok && v[k];
    if (ok) obj = entry_type->tp_alloc(entry_type, 0);
    for (int k = 0; k < F_COUNT; k++) {
        if (obj) *(PyObject **)((char *)obj + entry_off[k]) = v[k]; /* empty slots: NULL */
        else Py_XDECREF(v[k]);
    }
    return obj;
}

/* set_entry_type(cls, fields, name_types, meta_types, name_chars, meta_chars): fields
 * names cls's slots in the order of the F_ constants; the type tables hold TYPE_TABLE + 1
 * entries (the last for any other value). Refused (TypeError, nothing changed) unless
 * every field is a plain object slot of cls. */
static PyObject *tskcore_set_entry_type(PyObject *module, PyObject *args) {
    PyTypeObject *cls;
    PyObject *fields, *tables[2];
    const char *chars[2];
    Py_ssize_t nchars[2];
    if (!PyArg_ParseTuple(args, "O!O!O!O!s#s#", &PyType_Type, &cls, &PyTuple_Type, &fields,
                          &PyTuple_Type, &tables[0], &PyTuple_Type, &tables[1], &chars[0],
                          &nchars[0], &chars[1], &nchars[1]))
        return NULL;
    if (PyTuple_GET_SIZE(fields) != F_COUNT || nchars[0] != TYPE_TABLE + 1 ||
        nchars[1] != TYPE_TABLE + 1 || PyTuple_GET_SIZE(tables[0]) != TYPE_TABLE + 1 ||
        PyTuple_GET_SIZE(tables[1]) != TYPE_TABLE + 1)
        return PyErr_Format(PyExc_TypeError, "set_entry_type: %d fields, tables of %d",
                            F_COUNT, TYPE_TABLE + 1);
    Py_ssize_t off[F_COUNT];
    for (int k = 0; k < F_COUNT; k++) {
        PyObject *descr = PyObject_GetAttr((PyObject *)cls, PyTuple_GET_ITEM(fields, k));
        if (!descr) return NULL;
        int plain = Py_IS_TYPE(descr, &PyMemberDescr_Type);
        PyMemberDef *member = plain ? ((PyMemberDescrObject *)descr)->d_member : NULL;
        plain = plain && member->type == T_OBJECT_EX && !(member->flags & READONLY);
        if (plain) off[k] = member->offset;
        Py_DECREF(descr);
        if (!plain)
            return PyErr_Format(PyExc_TypeError, "set_entry_type: %R is not a plain slot",
                                PyTuple_GET_ITEM(fields, k));
    }
    for (int t = 0; t < 2; t++)
        for (int i = 0; i <= TYPE_TABLE; i++)
            if (!PyUnicode_Check(PyTuple_GET_ITEM(tables[t], i)))
                return PyErr_Format(PyExc_TypeError, "set_entry_type: type names are str");
    for (int t = 0; t < 2; t++)
        for (int i = 0; i <= TYPE_TABLE; i++) {
            Py_XSETREF(type_names[t][i], Py_NewRef(PyTuple_GET_ITEM(tables[t], i)));
            type_chars[t][i] = chars[t][i];
        }
    memcpy(entry_off, off, sizeof off);
    Py_XSETREF(entry_type, (PyTypeObject *)Py_NewRef(cls));
    Py_RETURN_NONE;
}

/* The next entry: a walk.Entry (see above) when fs and prefix are given, else a tuple. */
static PyObject *next_entry(const EntryRec *e, int ntfs, PyObject *tmpl, PyObject *fs,
                            PyObject *prefix) {
    const TSK_FS_META *m = entry_meta(e);
    if (!fs || ntfs || !m || !entry_type) return entry_tuple(e, ntfs, tmpl);
    const TSK_FS_NAME *n = e->file->name;
    PyObject *name = name_object(n->name ? n->name : "");
    if (!name) return NULL;
    if (!PyUnicode_Check(name)) {
        Py_DECREF(name);
        return entry_tuple(e, ntfs, tmpl);
    }
    return entry_object(e, m, name, fs, prefix, tmpl);
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
    if (!self->recs || self->next >= self->count) {
        Listing_release(self);
        return NULL; /* StopIteration */
    }
    return next_entry(&self->recs[self->next++], self->ntfs, self->tmpl, self->owner,
                      self->prefix);
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

/* The time field template (time_offset and time_precision set): its key order is
 * entry_times' (copies keep it). */
static PyObject *field_template(PyObject *precision) {
    PyObject *tmpl = PyDict_New();
    if (!tmpl || PyDict_SetItem(tmpl, field_keys[0], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[1], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[2], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[3], utc_mark) ||
        PyDict_SetItem(tmpl, field_keys[4], precision))
        Py_CLEAR(tmpl);
    return tmpl;
}

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
    out->ntfs = TSK_FS_TYPE_ISNTFS(self->fs->ftype);
    out->tmpl = precision == Py_None ? NULL : field_template(precision);
    if (precision != Py_None && !out->tmpl) { Py_DECREF(out); return NULL; }
    EntryRec *recs = NULL;
    size_t count = 0;
    TSK_FS_DIR *dir;
    char err[4096] = ""; /* TSK messages are at most two 1 KiB parts */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    dir = load_dir(self->fs, (TSK_INUM_T)inode, &recs, &count);
    if (!dir) {
        const char *msg = tsk_error_get();
        snprintf(err, sizeof err, "%s", msg ? msg : "unknown TSK error");
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

/* utc_fields(crtime, crtime_nano, mtime, mtime_nano, atime, atime_nano, ctime, ctime_nano,
 * precision): what iter_dir gives an entry with these times as (time_fields, body_stamps),
 * for tests holding it to image_events.entry_times. */
static PyObject *tskcore_utc_fields(PyObject *module, PyObject *args) {
    long long s[4];
    unsigned int n[4];
    PyObject *precision;
    if (!PyArg_ParseTuple(args, "LILILILIU", &s[0], &n[0], &s[1], &n[1], &s[2], &n[2], &s[3],
                          &n[3], &precision))
        return NULL;
    TSK_FS_META m;
    memset(&m, 0, sizeof m);
    m.crtime = (time_t)s[0];
    m.crtime_nano = n[0];
    m.mtime = (time_t)s[1];
    m.mtime_nano = n[1];
    m.atime = (time_t)s[2];
    m.atime_nano = n[2];
    m.ctime = (time_t)s[3];
    m.ctime_nano = n[3];
    PyObject *tmpl = field_template(precision), *fields, *stamps;
    if (!tmpl) return NULL;
    long long body[4];
    int rc = utc_fields(&m, tmpl, &fields, &stamps, body);
    Py_DECREF(tmpl);
    if (rc < 0) return NULL;
    PyObject *items[2] = {fields, stamps};
    return tuple_of(2, items);
}

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
        PyType_Ready(&ListingType) < 0)
        return NULL;
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
