/*
 * The timeline sort key of a canonical event dict, in C (part of the _sealcore module).
 *
 * Byte for byte evidencekit.timeline.order.py_sort_key for the shapes the store holds:
 * str time/source/kind/id, locator values that are str or non-negative int. Anything
 * else (another type, a huge int, a digit string over 255 digits, text that does not
 * encode) is handed to the Python function given as ``fallback``, so behaviour, errors
 * included, is the Python reference's. A property test holds the two equal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_sealcore.h"

int ek_buf_put(Buf *b, const char *src, Py_ssize_t n) {
    if (b->len + n > b->cap) {
        Py_ssize_t cap = (b->len + n) * 2;
        char *grown = b->data == b->small ? PyMem_Malloc((size_t)cap)
                                          : PyMem_Realloc(b->data, (size_t)cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (b->data == b->small) memcpy(grown, b->small, (size_t)b->len);
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, (size_t)n);
    b->len += n;
    return 0;
}

int ek_buf_byte(Buf *b, char c) { return ek_buf_put(b, &c, 1); }

void ek_buf_init(Buf *b) {
    b->data = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
}

void ek_buf_free(Buf *b) {
    if (b->data != b->small) PyMem_Free(b->data);
}

/* Text: 0x02, the UTF-8 with each NUL doubled as NUL 0xff, then NUL NUL. */
int ek_put_text(Buf *b, const char *s, Py_ssize_t n) {
    if (ek_buf_byte(b, 0x02) < 0) return -1;
    for (const char *end = s + n, *nul; s < end; s = nul + 1) {
        nul = memchr(s, 0, (size_t)(end - s));
        if (nul == NULL) nul = end;
        if (ek_buf_put(b, s, nul - s) < 0) return -1;
        if (nul == end) break;
        if (ek_buf_put(b, "\x00\xff", 2) < 0) return -1;
    }
    return ek_buf_put(b, "\x00\x00", 2);
}

static int put_text(Buf *b, PyObject *value) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL) {
        PyErr_Clear();
        return FALLBACK;
    }
    return ek_put_text(b, s, n);
}

/* A number: 0x01, the count of digits (leading zeros dropped), the digits. */
int ek_put_digits(Buf *b, const char *digits, Py_ssize_t n) {
    while (n > 1 && *digits == '0') {
        digits++;
        n--;
    }
    if (n > 255) return FALLBACK;
    if (ek_buf_byte(b, 0x01) < 0 || ek_buf_byte(b, (char)n) < 0) return -1;
    return ek_buf_put(b, digits, n);
}

/* order._value: numbers before text; numbers by length then digits; text NUL-terminated. */
static int put_value(Buf *b, PyObject *value) {
    if (PyLong_CheckExact(value)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow || v < 0) return FALLBACK;
        char digits[24];
        int n = snprintf(digits, sizeof digits, "%lld", v);
        return ek_put_digits(b, digits, n);
    }
    if (!PyUnicode_CheckExact(value)) return FALLBACK;
    if (PyUnicode_IS_ASCII(value)) {
        const char *s = (const char *)PyUnicode_DATA(value);
        Py_ssize_t n = PyUnicode_GET_LENGTH(value), i = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (n > 0 && i == n) {
            /* lstrip("0") or "0": an all-zero string keeps one zero */
            Py_ssize_t z = 0;
            while (z < n && s[z] == '0') z++;
            return z == n ? ek_put_digits(b, "0", 1) : ek_put_digits(b, s + z, n - z);
        }
    }
    return put_text(b, value);
}

static int put_str(Buf *b, PyObject *value) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL) {
        PyErr_Clear();
        return FALLBACK;
    }
    return ek_buf_put(b, s, n);
}

static const char *const LOCATOR_ORDER[] = {
    "partition", "inode", "sequence", "attribute", "path", "record", "line", "offset", "length",
};
#define N_LOCATOR ((int)(sizeof LOCATOR_ORDER / sizeof *LOCATOR_ORDER))
enum { K_TIME, K_SOURCE, K_LOCATOR, K_KIND, K_ID, N_FIELDS };
static const char *const FIELD_NAMES[N_FIELDS] = {"time", "source", "locator", "kind", "id"};
/* Interned once: dict lookups then hit the cached string hashes. */
static PyObject *locator_keys[N_LOCATOR];
static PyObject *field_keys[N_FIELDS];

int sealcore_sort_key_init(void) {
    for (int i = 0; i < N_LOCATOR; i++)
        if ((locator_keys[i] = PyUnicode_InternFromString(LOCATOR_ORDER[i])) == NULL) return -1;
    for (int i = 0; i < N_FIELDS; i++)
        if ((field_keys[i] = PyUnicode_InternFromString(FIELD_NAMES[i])) == NULL) return -1;
    return 0;
}

/* Borrowed value of an exact dict with str keys (no Python code runs), or NULL. */
static PyObject *get(PyObject *dict, PyObject *key) {
    return PyDict_GetItemWithError(dict, key);
}

static int put_locator(Buf *b, PyObject *locator) {
    for (int i = 0; i < N_LOCATOR; i++) {
        PyObject *value = get(locator, locator_keys[i]);
        if (value == NULL || value == Py_None) continue;
        if (ek_buf_byte(b, (char)(i + 1)) < 0) return -1;
        int rc = put_value(b, value);
        if (rc != DONE) return rc;
    }
    return DONE;
}

/* Fields are read with borrowed references from an exact dict; no Python code runs. */
static int build_key(Buf *b, PyObject *event) {
    int rc;
    PyObject *time = get(event, field_keys[K_TIME]);
    if (time != NULL && time != Py_None && !PyUnicode_CheckExact(time)) return FALLBACK;
    if (time != NULL && time != Py_None && PyUnicode_GET_LENGTH(time) > 0) {
        if (ek_buf_byte(b, 0x00) < 0) return -1;
        if ((rc = put_str(b, time)) != DONE) return rc;
    } else if (ek_buf_byte(b, 0x01) < 0) {
        return -1;
    }
    PyObject *source = get(event, field_keys[K_SOURCE]);
    if (source == NULL || !PyUnicode_CheckExact(source)) return FALLBACK;
    if ((rc = put_str(b, source)) != DONE) return rc;
    PyObject *locator = get(event, field_keys[K_LOCATOR]);
    if (locator != NULL && locator != Py_None) {
        if (!PyDict_CheckExact(locator)) return FALLBACK;
        if ((rc = put_locator(b, locator)) != DONE) return rc;
    }
    PyObject *kind = get(event, field_keys[K_KIND]);
    if (ek_buf_byte(b, 0x00) < 0) return -1;
    if (kind == NULL) {
        if (ek_buf_put(b, "\x02\x00\x00", 3) < 0) return -1;
    } else if ((rc = put_value(b, kind)) != DONE) {
        return rc;
    }
    PyObject *id = get(event, field_keys[K_ID]);
    if (id == NULL) return DONE;
    return PyUnicode_CheckExact(id) ? put_str(b, id) : FALLBACK;
}

PyObject *sealcore_sort_key(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t n) {
    if (n != 2) {
        PyErr_SetString(PyExc_TypeError, "sort_key(fallback, event) takes two arguments");
        return NULL;
    }
    PyObject *fallback = args[0], *event = args[1];
    if (!PyDict_CheckExact(event)) return PyObject_CallOneArg(fallback, event);
    Buf b;
    ek_buf_init(&b);
    int rc = build_key(&b, event);
    PyObject *key = NULL;
    if (rc == DONE)
        key = PyBytes_FromStringAndSize(b.data, b.len);
    else if (rc == FALLBACK)
        key = PyObject_CallOneArg(fallback, event);
    ek_buf_free(&b);
    return key;
}
