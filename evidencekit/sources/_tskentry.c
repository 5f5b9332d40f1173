/* The Python side of the native listing: from each directory entry libtsk loaded
 * (_tskcore.c), the tuple walk.py finishes, or, where nothing is left for Python to do,
 * the walk.Entry object itself; for UTC file systems also the event time fields, the
 * body file's seconds and the body line after the name (image_events computes the same
 * from the tuple; tests hold the two equal).
 */
#include "_tskcore.h"
#include <string.h>
#include <structmember.h>

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
 * every field is a distinct plain object slot of cls (or of a base class of cls). */
PyObject *tskcore_set_entry_type(PyObject *module, PyObject *args) {
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
        /* A descriptor of another class (e.g. copied into cls's dict) would give an
         * offset outside cls's instances; a slot named twice would leak a value. */
        plain = plain && member->type == T_OBJECT_EX && !(member->flags & READONLY) &&
                PyType_IsSubtype(cls, PyDescr_TYPE(descr));
        for (int j = 0; plain && j < k; j++) plain = off[j] != member->offset;
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
PyObject *tskentry_next(const EntryRec *e, int ntfs, PyObject *tmpl, PyObject *fs,
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

/* The time field template (time_offset and time_precision set): its key order is
 * entry_times' (copies keep it). */
PyObject *tskentry_template(PyObject *precision) {
    PyObject *tmpl = PyDict_New();
    if (!tmpl || PyDict_SetItem(tmpl, field_keys[0], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[1], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[2], Py_None) ||
        PyDict_SetItem(tmpl, field_keys[3], utc_mark) ||
        PyDict_SetItem(tmpl, field_keys[4], precision))
        Py_CLEAR(tmpl);
    return tmpl;
}

/* utc_fields(crtime, crtime_nano, mtime, mtime_nano, atime, atime_nano, ctime, ctime_nano,
 * precision): what iter_dir gives an entry with these times as (time_fields, body_stamps),
 * for tests holding it to image_events.entry_times. */
PyObject *tskcore_utc_fields(PyObject *module, PyObject *args) {
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
    PyObject *tmpl = tskentry_template(precision), *fields, *stamps;
    if (!tmpl) return NULL;
    long long body[4];
    int rc = utc_fields(&m, tmpl, &fields, &stamps, body);
    Py_DECREF(tmpl);
    if (rc < 0) return NULL;
    PyObject *items[2] = {fields, stamps};
    return tuple_of(2, items);
}

/* The interned names the objects use (called once, from PyInit__tskcore). */
int tskentry_init(void) {
    static const char *roles[2][4] = {{"crtime", "mtime", "atime", "ctime"},
                                      {"si_crtime", "si_mtime", "si_atime", "si_ctime"}};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 4; i++)
            if (!(role_names[k][i] = PyUnicode_InternFromString(roles[k][i]))) return -1;
    static const char *keys[5] = {"time_role", "time", "time_original", "time_offset",
                                  "time_precision"};
    for (int i = 0; i < 5; i++)
        if (!(field_keys[i] = PyUnicode_InternFromString(keys[i]))) return -1;
    if (!(utc_mark = PyUnicode_InternFromString("Z"))) return -1;
    return 0;
}
