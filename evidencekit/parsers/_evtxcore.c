/*
 * The .evtx reader's per-record work on the usual record shape: evtx_fast.read_usual in C.
 *
 * read_usual(event, number, raw, source_id) takes one record as orjson decoded the evtx
 * package's JSON (and its RawRecord from the walk) and returns (event content without
 * action, kind and flags, attributes, provider, event id, data, channel, record id,
 * computer, user SID, keywords), or None when the record is not of the usual shape. Values other than text, integers and null are handed to the Python helpers given
 * to setup() (evtx_json.text and evtx_json.event_data), so rare shapes are read by the
 * one reference. A hypothesis test holds this byte-identical to the Python reference.
 *
 * walk(data, pos, limit, base, records, RawRecord) is the chunk walk's usual case
 * (evtx_chunks._walk's inline loop): from pos, every well-formed record (signature, size
 * at least 28, inside the data, trailing size copy equal) is appended as
 * RawRecord(number, base + offset, size, SHA-256 hex, False) until a record that is not
 * well formed or fewer than 28 bytes before limit; returns where it stopped.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <openssl/evp.h>
#include <string.h>

static PyObject *text_fn, *event_data_fn;

enum {
    K_SYSTEM, K_PROVIDER, K_ATTRS, K_NAME, K_TIMECREATED, K_SYSTEMTIME, K_EVENTID,
    K_CHANNEL, K_RECORDID, K_COMPUTER, K_KEYWORDS, K_SECURITY, K_USERID, K_EXECUTION,
    K_PROCESSID, K_THREADID, K_EVENTDATA, K_VERSION, K_LEVEL, K_TASK, K_OPCODE,
    A_EVENT_ID, A_PROVIDER, A_CHANNEL, A_RECORD_ID, A_COMPUTER, A_USER_SID, A_KEYWORDS,
    A_VERSION, A_LEVEL, A_TASK, A_OPCODE, A_PROCESS_ID, A_THREAD_ID, A_RECORD_NUMBER,
    A_DATA, S_EMPTY, C_TIME_ROLE, C_LOGGED, C_TIME, C_TIME_PRECISION, C_1US, C_TIME_OFFSET,
    C_Z, C_TIME_ORIGINAL, C_SOURCE, C_LOCATOR, C_RECORD, C_OFFSET, C_LENGTH, C_RAW_SHA256,
    C_ATTRIBUTES, N_KEYS
};
static const char *key_text[N_KEYS] = {
    "System", "Provider", "#attributes", "Name", "TimeCreated", "SystemTime", "EventID",
    "Channel", "EventRecordID", "Computer", "Keywords", "Security", "UserID", "Execution",
    "ProcessID", "ThreadID", "EventData", "Version", "Level", "Task", "Opcode",
    "event_id", "provider", "channel", "record_id", "computer", "user_sid", "keywords",
    "version", "level", "task", "opcode", "process_id", "thread_id", "record_number",
    "data", "", "time_role", "logged", "time", "time_precision", "1us", "time_offset", "Z",
    "time_original", "source", "locator", "record", "offset", "length", "raw_sha256",
    "attributes"};
static PyObject *K[N_KEYS];

/* Borrowed d[key] when d is a dict holding key, else NULL (no exception set). */
static PyObject *item(PyObject *d, int key) {
    return PyDict_Check(d) ? PyDict_GetItemWithError(d, K[key]) : NULL;
}

/* opt(): None stays None (returned as NULL), text stays, anything else str(). New ref. */
static int opt(PyObject *value, PyObject **out) {
    *out = NULL;
    if (value == NULL || value == Py_None) return 0;
    if (PyUnicode_CheckExact(value)) {
        Py_INCREF(value);
        *out = value;
        return 0;
    }
    *out = PyObject_Str(value);
    return *out == NULL ? -1 : 0;
}

/* str(value) of an exact int; the text of 0..65535 is made once and shared (levels, tasks,
   opcodes, process ids repeat in every record; a shared str changes no output). */
static PyObject *int_text(PyObject *value) {
    static PyObject *small[65536];
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(value, &overflow);
    if (overflow || v < 0 || v > 65535) return PyObject_Str(value);
    if (small[v] == NULL && (small[v] = PyObject_Str(value)) == NULL) return NULL;
    return Py_NewRef(small[v]);
}

/* str(value) for an exact int, text for text, "" for None, else evtx_json.text(value). */
static PyObject *as_text(PyObject *value) {
    if (PyLong_CheckExact(value)) return int_text(value);
    if (PyUnicode_CheckExact(value)) {
        Py_INCREF(value);
        return value;
    }
    if (value == Py_None) {
        Py_INCREF(K[S_EMPTY]);
        return K[S_EMPTY];
    }
    return PyObject_CallOneArg(text_fn, value);
}

static int put_text(PyObject *attrs, int label, PyObject *value) {
    PyObject *t = as_text(value);
    if (t == NULL) return -1;
    int rc = PyDict_SetItem(attrs, K[label], t);
    Py_DECREF(t);
    return rc;
}

/* The usual time form: 27 ASCII characters shaped 0000-00-00T00:00:00.000000Z. */
static int usual_time(PyObject *when) {
    static const char shape[] = "0000-00-00T00:00:00.000000Z";
    if (!PyUnicode_IS_ASCII(when) || PyUnicode_GET_LENGTH(when) != 27) return 0;
    const char *s = (const char *)PyUnicode_DATA(when);
    for (int i = 0; i < 27; i++) {
        char c = (s[i] >= '0' && s[i] <= '9') ? '0' : s[i];
        if (c != shape[i]) return 0;
    }
    return 1;
}

/* A name safe_key leaves as it is: 1-80 of [A-Za-z0-9_.:-], and (as the anchored regex
   lets "$" match before a final newline) optionally one trailing newline. */
static int safe_name(PyObject *key) {
    if (!PyUnicode_CheckExact(key) || !PyUnicode_IS_ASCII(key)) return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(key);
    const char *s = (const char *)PyUnicode_DATA(key);
    if (n > 0 && s[n - 1] == '\n') n--;
    if (n < 1 || n > 80) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

/* evtx_json._event_data's common case (System and EventData only; EventData null or a
   dict of safe names with text, integer or null values, made text in place); any other
   shape goes to the Python function. New reference. */
static PyObject *event_data(PyObject *event) {
    int has_attrs = PyDict_Contains(event, K[K_ATTRS]);
    if (has_attrs < 0) return NULL;
    PyObject *fields = PyDict_GetItemWithError(event, K[K_EVENTDATA]);
    if (fields == NULL && PyErr_Occurred()) return NULL;
    if (fields != NULL && PyDict_GET_SIZE(event) - has_attrs == 2) {
        if (fields == Py_None) return PyDict_New();
        if (PyDict_CheckExact(fields)) {
            PyObject *key, *value;
            Py_ssize_t pos = 0;
            int usual = 1;
            while (usual && PyDict_Next(fields, &pos, &key, &value)) {
                usual = safe_name(key) &&
                        (PyUnicode_CheckExact(value) || PyLong_CheckExact(value) ||
                         value == Py_None);
            }
            if (usual) {
                pos = 0;
                while (PyDict_Next(fields, &pos, &key, &value)) {
                    if (PyUnicode_CheckExact(value)) continue;
                    PyObject *t = value == Py_None ? (Py_INCREF(K[S_EMPTY]), K[S_EMPTY])
                                                   : int_text(value);
                    if (t == NULL) return NULL;
                    /* a value change, not a key change: allowed while iterating */
                    int rc = PyDict_SetItem(fields, key, t);
                    Py_DECREF(t);
                    if (rc < 0) return NULL;
                }
                Py_INCREF(fields);
                return fields;
            }
        }
    }
    return PyObject_CallOneArg(event_data_fn, event);
}

/* Version, Level, Task, Opcode and the Execution process and thread ids. */
static int system_extra(PyObject *attrs, PyObject *system) {
    static const int keys[4] = {K_VERSION, K_LEVEL, K_TASK, K_OPCODE};
    static const int labels[4] = {A_VERSION, A_LEVEL, A_TASK, A_OPCODE};
    for (int i = 0; i < 4; i++) {
        PyObject *value = PyDict_GetItemWithError(system, K[keys[i]]);
        if (value == NULL && PyErr_Occurred()) return -1;
        if (value != NULL && value != Py_None && put_text(attrs, labels[i], value) < 0)
            return -1;
    }
    PyObject *execution = PyDict_GetItemWithError(system, K[K_EXECUTION]);
    if (execution == NULL || !PyDict_CheckExact(execution)) return PyErr_Occurred() ? -1 : 0;
    PyObject *xattrs = PyDict_GetItemWithError(execution, K[K_ATTRS]);
    if (xattrs == NULL || !PyDict_CheckExact(xattrs) || PyDict_GET_SIZE(xattrs) == 0)
        return PyErr_Occurred() ? -1 : 0;
    PyObject *pid = PyDict_GetItemWithError(xattrs, K[K_PROCESSID]);
    if (pid == NULL && PyErr_Occurred()) return -1;
    if (put_text(attrs, A_PROCESS_ID, pid ? pid : Py_None) < 0) return -1;
    PyObject *tid = PyDict_GetItemWithError(xattrs, K[K_THREADID]);
    if (tid == NULL && PyErr_Occurred()) return -1;
    return put_text(attrs, A_THREAD_ID, tid ? tid : Py_None);
}

/* Set attrs[label] = value when value is truthy text (a NULL value is left out). */
static int put_if(PyObject *attrs, int label, PyObject *value, int need_true) {
    if (value == NULL) return 0;
    if (need_true && PyUnicode_GET_LENGTH(value) == 0) return 0;
    return PyDict_SetItem(attrs, K[label], value);
}

typedef struct {
    PyObject *channel, *rid, *computer, *sid, *keywords, *number, *data, *record;
} Parts;

static void parts_clear(Parts *p) {
    Py_XDECREF(p->channel);
    Py_XDECREF(p->rid);
    Py_XDECREF(p->computer);
    Py_XDECREF(p->sid);
    Py_XDECREF(p->keywords);
    Py_XDECREF(p->number);
    Py_XDECREF(p->data);
    Py_XDECREF(p->record);
}

/* Channel, record id, computer, user SID, keywords into p and attrs. */
static int system_parts(PyObject *attrs, PyObject *system, Parts *p) {
    PyObject *v = PyDict_GetItemWithError(system, K[K_CHANNEL]);
    if (v == NULL && PyErr_Occurred()) return -1;
    if (opt(v, &p->channel) < 0) return -1;
    if (p->channel == NULL || PyObject_IsTrue(p->channel) == 0) {
        Py_XDECREF(p->channel);
        Py_INCREF(K[S_EMPTY]);
        p->channel = K[S_EMPTY];
    }
    if (put_if(attrs, A_CHANNEL, p->channel, 1) < 0) return -1;
    v = PyDict_GetItemWithError(system, K[K_RECORDID]);
    if (v == NULL && PyErr_Occurred()) return -1;
    if (opt(v, &p->rid) < 0 || put_if(attrs, A_RECORD_ID, p->rid, 0) < 0) return -1;
    v = PyDict_GetItemWithError(system, K[K_COMPUTER]);
    if (v == NULL && PyErr_Occurred()) return -1;
    if (opt(v, &p->computer) < 0 || put_if(attrs, A_COMPUTER, p->computer, 1) < 0) return -1;
    v = PyDict_GetItemWithError(system, K[K_SECURITY]);
    if (v == NULL && PyErr_Occurred()) return -1;
    if (v != NULL && v != Py_None) {
        PyObject *sattrs = PyDict_CheckExact(v) ? PyDict_GetItemWithError(v, K[K_ATTRS]) : NULL;
        if (sattrs == NULL && PyErr_Occurred()) return -1;
        PyObject *uid = NULL;
        if (sattrs != NULL && PyDict_CheckExact(sattrs)) {
            uid = PyDict_GetItemWithError(sattrs, K[K_USERID]);
            if (uid == NULL && PyErr_Occurred()) return -1;
        }
        if (opt(uid, &p->sid) < 0 || put_if(attrs, A_USER_SID, p->sid, 1) < 0) return -1;
    }
    v = PyDict_GetItemWithError(system, K[K_KEYWORDS]);
    if (v == NULL && PyErr_Occurred()) return -1;
    if (opt(v, &p->keywords) < 0 || put_if(attrs, A_KEYWORDS, p->keywords, 1) < 0) return -1;
    return 0;
}

/* The locator's record: the record id when it is canonical decimal, else the number. */
static PyObject *locator_record(Parts *p) {
    PyObject *rid = p->rid;
    if (rid != NULL && PyUnicode_IS_ASCII(rid) && PyUnicode_GET_LENGTH(rid) > 0) {
        const char *s = (const char *)PyUnicode_DATA(rid);
        Py_ssize_t n = PyUnicode_GET_LENGTH(rid), i = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == n && s[0] != '0') {
            Py_INCREF(rid);
            return rid;
        }
    }
    Py_INCREF(p->number);
    return p->number;
}

/* Set d[K[key]] = value and drop the reference to value (NULL: an error is set). */
static int set_new(PyObject *d, int key, PyObject *value) {
    if (value == NULL) return -1;
    int rc = PyDict_SetItem(d, K[key], value);
    Py_DECREF(value);
    return rc;
}

/* The event content's fixed part: logged time (evtx renders FILETIMEs to the microsecond:
   three zeros make nanoseconds), source, locator, raw hash, attributes. */
static PyObject *event_content(PyObject *when, PyObject *record, PyObject *raw,
                               PyObject *source, PyObject *attrs) {
    PyObject *content = PyDict_New(), *time = PyUnicode_New(30, 127), *locator = PyDict_New();
    if (content == NULL || time == NULL || locator == NULL) goto fail;
    memcpy(PyUnicode_DATA(time), PyUnicode_DATA(when), 26);
    memcpy((char *)PyUnicode_DATA(time) + 26, "000Z", 4);
    if (PyDict_SetItem(locator, K[C_RECORD], record) < 0 ||
        set_new(locator, C_OFFSET, PyObject_Str(PyTuple_GET_ITEM(raw, 1))) < 0 ||
        PyDict_SetItem(locator, K[C_LENGTH], PyTuple_GET_ITEM(raw, 2)) < 0 ||
        PyDict_SetItem(content, K[C_TIME_ROLE], K[C_LOGGED]) < 0 ||
        PyDict_SetItem(content, K[C_TIME], time) < 0 ||
        PyDict_SetItem(content, K[C_TIME_PRECISION], K[C_1US]) < 0 ||
        PyDict_SetItem(content, K[C_TIME_OFFSET], K[C_Z]) < 0 ||
        PyDict_SetItem(content, K[C_TIME_ORIGINAL], when) < 0 ||
        PyDict_SetItem(content, K[C_SOURCE], source) < 0 ||
        PyDict_SetItem(content, K[C_LOCATOR], locator) < 0 ||
        PyDict_SetItem(content, K[C_RAW_SHA256], PyTuple_GET_ITEM(raw, 3)) < 0 ||
        PyDict_SetItem(content, K[C_ATTRIBUTES], attrs) < 0)
        goto fail;
    Py_DECREF(time);
    Py_DECREF(locator);
    return content;
fail:
    Py_XDECREF(content);
    Py_XDECREF(time);
    Py_XDECREF(locator);
    return NULL;
}

static PyObject *build(PyObject *event, PyObject *system, PyObject *name, PyObject *eid,
                       PyObject *when, PyObject *number, PyObject *raw, PyObject *source) {
    Parts p = {0};
    PyObject *attrs = PyDict_New();
    if (attrs == NULL) return NULL;
    if (PyDict_SetItem(attrs, K[A_EVENT_ID], eid) < 0 ||
        PyDict_SetItem(attrs, K[A_PROVIDER], name) < 0 || system_parts(attrs, system, &p) < 0 ||
        system_extra(attrs, system) < 0 || (p.number = PyObject_Str(number)) == NULL)
        goto fail;
    if (p.rid != NULL) {
        int same = PyUnicode_Compare(p.rid, p.number);
        if (same == -1 && PyErr_Occurred()) goto fail;
        if (same != 0 && PyDict_SetItem(attrs, K[A_RECORD_NUMBER], p.number) < 0) goto fail;
    }
    if ((p.data = event_data(event)) == NULL) goto fail;
    int has_data = PyObject_IsTrue(p.data);
    if (has_data < 0 || (has_data && PyDict_SetItem(attrs, K[A_DATA], p.data) < 0)) goto fail;
    p.record = locator_record(&p);
    PyObject *content = event_content(when, p.record, raw, source, attrs);
    if (content == NULL) goto fail;
    PyObject *out = PyTuple_Pack(10, content, attrs, name, eid, p.data, p.channel,
                                 p.rid ? p.rid : Py_None, p.computer ? p.computer : Py_None,
                                 p.sid ? p.sid : Py_None, p.keywords ? p.keywords : Py_None);
    Py_DECREF(content);
    Py_DECREF(attrs);
    parts_clear(&p);
    return out;
fail:
    Py_DECREF(attrs);
    parts_clear(&p);
    return NULL;
}

static PyObject *read_usual(PyObject *Py_UNUSED(module), PyObject *const *args,
                            Py_ssize_t nargs) {
    if (nargs != 4 || !PyTuple_Check(args[2]) || PyTuple_GET_SIZE(args[2]) < 4) {
        PyErr_SetString(PyExc_TypeError, "read_usual(event, number, raw, source_id)");
        return NULL;
    }
    if (text_fn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_evtxcore.setup() was not called");
        return NULL;
    }
    PyObject *event = args[0];
    if (!PyDict_CheckExact(event)) Py_RETURN_NONE;
    PyObject *system = PyDict_GetItemWithError(event, K[K_SYSTEM]);
    if (system == NULL && PyErr_Occurred()) return NULL;
    if (system == NULL || !PyDict_CheckExact(system)) Py_RETURN_NONE;
    PyObject *pa = item(item(system, K_PROVIDER) ?: Py_None, K_ATTRS);
    PyObject *name = pa ? item(pa, K_NAME) : NULL;
    PyObject *ta = item(item(system, K_TIMECREATED) ?: Py_None, K_ATTRS);
    PyObject *when = ta ? item(ta, K_SYSTEMTIME) : NULL;
    PyObject *eid = PyDict_GetItemWithError(system, K[K_EVENTID]);
    if (PyErr_Occurred()) return NULL;
    if (name == NULL || when == NULL || eid == NULL || !PyLong_CheckExact(eid) ||
        !PyUnicode_CheckExact(name) || PyUnicode_GET_LENGTH(name) == 0 ||
        !PyUnicode_CheckExact(when) || !usual_time(when))
        Py_RETURN_NONE;
    return build(event, system, name, eid, when, args[1], args[2], args[3]);
}

static EVP_MD_CTX *sha_ctx;
static EVP_MD *sha_md;

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }

/* RawRecord(number, offset, size, sha256 hex, False): a tuple subclass without fields of
   its own, so it is allocated by its type and filled like a tuple. */
static PyObject *raw_record(PyTypeObject *type, const unsigned char *rec, uint32_t size,
                            long long offset) {
    unsigned char md[32];
    char hex[64];
    static const char digits[] = "0123456789abcdef";
    if (!EVP_DigestInit_ex(sha_ctx, sha_md, NULL) || !EVP_DigestUpdate(sha_ctx, rec, size) ||
        !EVP_DigestFinal_ex(sha_ctx, md, NULL)) {
        PyErr_SetString(PyExc_RuntimeError, "SHA-256 failed");
        return NULL;
    }
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    PyObject *items[5] = {PyLong_FromUnsignedLongLong(le64(rec + 8)),
                          PyLong_FromLongLong(offset), PyLong_FromUnsignedLong(size),
                          PyUnicode_FromStringAndSize(hex, 64), Py_NewRef(Py_False)};
    /* Every item made before any goes into the tuple: on a failure each is released once
       (the tuple would release again those it already held). */
    PyObject *out = NULL;
    if (items[0] && items[1] && items[2] && items[3]) out = type->tp_alloc(type, 5);
    if (out == NULL) {
        for (int j = 0; j < 5; j++) Py_XDECREF(items[j]);
        return NULL;
    }
    for (int i = 0; i < 5; i++) PyTuple_SET_ITEM(out, i, items[i]);
    return out;
}

static PyObject *walk(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6 || !PyBytes_CheckExact(args[0]) || !PyList_CheckExact(args[4]) ||
        !PyType_Check(args[5]) || !PyType_IsSubtype((PyTypeObject *)args[5], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "walk(data, pos, limit, base, records, RawRecord)");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t limit = PyLong_AsSsize_t(args[2]);
    if (limit == -1 && PyErr_Occurred()) return NULL;
    long long base = PyLong_AsLongLong(args[3]);
    if (base == -1 && PyErr_Occurred()) return NULL;
    if (sha_ctx == NULL) sha_ctx = EVP_MD_CTX_new();
    if (sha_md == NULL) sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha_ctx == NULL || sha_md == NULL) return PyErr_NoMemory();
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    Py_ssize_t top = PyBytes_GET_SIZE(args[0]);
    PyTypeObject *type = (PyTypeObject *)args[5];
    /* Differences, not sums: a pos near the top of Py_ssize_t must not wrap (and read). */
    while (pos >= 0 && pos < limit && limit - pos >= 28 && top - pos >= 28) {
        const unsigned char *rec = data + pos;
        uint32_t size = le32(rec + 4);
        long long offset;
        if (memcmp(rec, "\x2a\x2a\x00\x00", 4) != 0 || size < 28 || size > top - pos ||
            le32(rec + size - 4) != size || __builtin_add_overflow(base, pos, &offset))
            break; /* (an offset past long long: the Python walk goes on from here) */
        Py_ssize_t stop = pos + (Py_ssize_t)size;
        PyObject *raw = raw_record(type, rec, size, offset);
        if (raw == NULL || PyList_Append(args[4], raw) < 0) {
            Py_XDECREF(raw);
            return NULL;
        }
        Py_DECREF(raw);
        pos = stop;
    }
    return PyLong_FromSsize_t(pos);
}

static PyObject *setup(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "setup(text, event_data)");
        return NULL;
    }
    Py_XSETREF(text_fn, Py_NewRef(args[0]));
    Py_XSETREF(event_data_fn, Py_NewRef(args[1]));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"read_usual", (PyCFunction)(void (*)(void))read_usual, METH_FASTCALL,
     "The usual record shape's parts (see evtx_fast.read_usual), or None."},
    {"setup", (PyCFunction)(void (*)(void))setup, METH_FASTCALL,
     "Give the Python helpers for rare values: evtx_json.text, evtx_json.event_data."},
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "The chunk walk's usual case (see evtx_chunks._walk); returns where it stopped."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_evtxcore",
                                    "Per-record work of the .evtx reader (optional C).", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__evtxcore(void) {
    for (int i = 0; i < N_KEYS; i++) {
        K[i] = PyUnicode_InternFromString(key_text[i]);
        if (K[i] == NULL) return NULL;
    }
    return PyModule_Create(&module);
}
