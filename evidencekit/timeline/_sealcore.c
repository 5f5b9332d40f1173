/*
 * Optional C core of the timeline sealer: hash chain + RFC 9162 Merkle tree head.
 *
 * Sealer.add_block(payloads) turns canonical event bytes into chained timeline lines,
 * byte for byte what evidencekit/timeline/chain.py writes:
 *
 *   {"event":<payload>,"prev":"<hex>","seq":<n>,"sha256":"<hex>"}\n
 *
 * where sha256 covers the object without its sha256 member, and appends
 * SHA-256(0x00 || payload) to a compact-range Merkle stack (one hash per set bit of
 * the tree size). The pure-Python Sealer in sealcore.py is the reference; a property
 * test holds the two byte-identical. SHA-256 comes from OpenSSL's libcrypto.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>

#include "_sealcore.h"

#define HASH_LEN 32
#define HEX_LEN 64
#define MAX_DEPTH 64

static const char OPEN[] = "{\"event\":";
static const char PREV[] = ",\"prev\":\"";
static const char SEQ[] = "\",\"seq\":";
static const char SHA[] = ",\"sha256\":\"";
static const char END[] = "\"}\n";
#define LIT(s) (sizeof(s) - 1)
/* Fixed bytes of one line besides the payload and the digits of seq. */
#define LINE_FIXED (LIT(OPEN) + LIT(PREV) + HEX_LEN + LIT(SEQ) + LIT(SHA) + HEX_LEN + LIT(END))

typedef struct {
    PyObject_HEAD
    EVP_MD_CTX *ctx;
    EVP_MD *md;
    char prev[HEX_LEN];                     /* hex of the last line's hash */
    uint64_t size;                          /* lines written == leaves == next seq */
    unsigned char stack[MAX_DEPTH][HASH_LEN];
    int top;
} SealerObject;

/* SHA-256 through the x86 SHA extensions when the CPU has them (see _shani.c). */
static int use_shani;

int ek_sealcore_shani(void) { return use_shani; }

static PyObject *sealcore_sha_ni(PyObject *Py_UNUSED(module), PyObject *args) {
    int enable = -1;
    if (!PyArg_ParseTuple(args, "|p:_sha_ni", &enable)) return NULL;
    if (enable >= 0) use_shani = enable && ek_shani_available();
    return PyBool_FromLong(use_shani);
}

static PyMethodDef module_functions[] = {
    {"_sha_ni", sealcore_sha_ni, METH_VARARGS,
     "_sha_ni([enable])\n--\n\n"
     "Whether SHA-256 runs on the x86 SHA extensions (else OpenSSL); a flag switches\n"
     "(tests compare both)."},
    {"sort_key", (PyCFunction)(void (*)(void))sealcore_sort_key, METH_FASTCALL,
     "sort_key(fallback, event)\n--\n\n"
     "Timeline sort key of a canonical event dict; ``fallback(event)`` for unusual shapes."},
    {"pack_items", sealcore_pack_items, METH_O,
     "pack_items(items)\n--\n\nItems of a run file, each after its 4-byte length."},
    {"unpack_items", sealcore_unpack_items, METH_O,
     "unpack_items(data)\n--\n\n(items, bytes used) of the whole records at the start of data."},
    {"split_sorted", (PyCFunction)(void (*)(void))sealcore_split_sorted, METH_FASTCALL,
     "split_sorted(items, previous)\n--\n\n"
     "(keys, lines, duplicates, conflict) of sorted items; see order.py_split_sorted."},
    {"sort_item", (PyCFunction)(void (*)(void))sealcore_sort_item, METH_FASTCALL,
     "sort_item(fallback, line)\n--\n\n"
     "``key + line + len(key)`` (4 bytes, big-endian) of a canonical event line, read\n"
     "without building the dict; ``fallback(line)`` for anything unusual."},
    {NULL, NULL, 0, NULL},
};

static const char HEXDIGITS[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, char *out) {
    for (int i = 0; i < HASH_LEN; i++) {
        out[2 * i] = HEXDIGITS[in[i] >> 4];
        out[2 * i + 1] = HEXDIGITS[in[i] & 15];
    }
}

static size_t put_u64(char *out, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* SHA-256 over up to three pieces; returns 0 on an OpenSSL failure. */
static int sha256_3(SealerObject *s, const void *a, size_t alen, const void *b, size_t blen,
                    const void *c, size_t clen, unsigned char *out) {
    if (!EVP_DigestInit_ex(s->ctx, s->md, NULL)) return 0;
    if (alen && !EVP_DigestUpdate(s->ctx, a, alen)) return 0;
    if (blen && !EVP_DigestUpdate(s->ctx, b, blen)) return 0;
    if (clen && !EVP_DigestUpdate(s->ctx, c, clen)) return 0;
    return EVP_DigestFinal_ex(s->ctx, out, NULL);
}


/* RFC 9162 node hash H(0x01 || left || right) into out (which may alias right). */
static int node_hash(SealerObject *s, const unsigned char *left, const unsigned char *right,
                     unsigned char *out) {
    unsigned char node[1 + 2 * HASH_LEN];
    node[0] = 0x01;
    memcpy(node + 1, left, HASH_LEN);
    memcpy(node + 1 + HASH_LEN, right, HASH_LEN);
    if (use_shani) {
        ek_shani_sha256(node, sizeof node, out);
        return 1;
    }
    return sha256_3(s, node, sizeof node, NULL, 0, NULL, 0, out);
}

static int merkle_append(SealerObject *s, const unsigned char *leaf) {
    unsigned char h[HASH_LEN];
    memcpy(h, leaf, HASH_LEN);
    for (uint64_t n = s->size; n & 1; n >>= 1) {
        s->top--;
        if (!node_hash(s, s->stack[s->top], h, h)) return 0;
    }
    memcpy(s->stack[s->top++], h, HASH_LEN);
    return 1;
}

/* Write one chained line for payload at out; return its length, or 0 on failure. */
static size_t seal_one(SealerObject *s, const char *payload, size_t plen, char *out,
                       unsigned char *leaf) {
    static const unsigned char LEAF = 0x00;
    unsigned char digest[HASH_LEN];
    char *p = out;
    memcpy(p, OPEN, LIT(OPEN)); p += LIT(OPEN);
    memcpy(p, payload, plen); p += plen;
    memcpy(p, PREV, LIT(PREV)); p += LIT(PREV);
    memcpy(p, s->prev, HEX_LEN); p += HEX_LEN;
    memcpy(p, SEQ, LIT(SEQ)); p += LIT(SEQ);
    p += put_u64(p, s->size);
    *p = '}';  /* the hashed object ends here; overwritten by the sha256 member below */
    size_t body = (size_t)(p - out) + 1;
    if (use_shani) {
        /* The leaf H(0x00 || payload) is read from the line, its ':' standing for 0x00. */
        const unsigned char *line = (const unsigned char *)out;
        ek_shani_pair(line, body, digest, line + LIT(OPEN) - 1, plen + 1, LEAF, leaf);
    } else if (!sha256_3(s, out, body, NULL, 0, NULL, 0, digest) ||
               !sha256_3(s, &LEAF, 1, payload, plen, NULL, 0, leaf)) {
        return 0;
    }
    to_hex(digest, s->prev);
    memcpy(p, SHA, LIT(SHA)); p += LIT(SHA);
    memcpy(p, s->prev, HEX_LEN); p += HEX_LEN;
    memcpy(p, END, LIT(END)); p += LIT(END);
    if (!merkle_append(s, leaf)) return 0;
    s->size++;
    return (size_t)(p - out);
}

/* Check every item before any state changes, so a bad block leaves the sealer as it was. */
static Py_ssize_t block_bytes(PyObject *items, Py_ssize_t n) {
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "payload %zd is %.100s, not bytes", i,
                         Py_TYPE(item)->tp_name);
            return -1;
        }
        Py_ssize_t len = PyBytes_GET_SIZE(item);
        if (memchr(PyBytes_AS_STRING(item), '\n', (size_t)len) != NULL) {
            PyErr_Format(PyExc_ValueError, "payload %zd contains a newline", i);
            return -1;
        }
        if (len > PY_SSIZE_T_MAX / 2 - total - (Py_ssize_t)(LINE_FIXED + 20)) {
            PyErr_SetString(PyExc_OverflowError, "block too large");
            return -1;
        }
        total += len + (Py_ssize_t)(LINE_FIXED + 20);
    }
    return total;
}

static int seal_items(SealerObject *s, PyObject *items, Py_ssize_t n, char *out, Py_ssize_t *used,
                      PyObject *leaves) {
    unsigned char leaf[HASH_LEN];
    char *p = out;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        size_t len = seal_one(s, PyBytes_AS_STRING(item), (size_t)PyBytes_GET_SIZE(item), p, leaf);
        if (len == 0) {
            PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
            return -1;
        }
        p += len;
        if (leaves != NULL) {
            PyObject *h = PyBytes_FromStringAndSize((const char *)leaf, HASH_LEN);
            if (h == NULL || PyList_Append(leaves, h) < 0) {
                Py_XDECREF(h);
                return -1;
            }
            Py_DECREF(h);
        }
    }
    *used = p - out;
    return 0;
}

PyDoc_STRVAR(add_block_doc,
"add_block(payloads, leaves=None)\n--\n\n"
"Chain and hash a block of canonical event payloads (bytes without newline).\n\n"
"Returns the chained lines of the block, newline-terminated, as one bytes object.\n"
"When ``leaves`` is a list, each event's Merkle leaf hash is appended to it.");

static int ready(SealerObject *self) {
    if (self->ctx == NULL || self->md == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Sealer.__init__ was not called");
        return 0;
    }
    return 1;
}

static PyObject *Sealer_add_block(SealerObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"payloads", "leaves", NULL};
    PyObject *payloads, *leaves = Py_None;
    if (!ready(self)) return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:add_block", kwlist, &payloads, &leaves))
        return NULL;
    if (leaves != Py_None && !PyList_Check(leaves)) {
        PyErr_SetString(PyExc_TypeError, "leaves must be a list or None");
        return NULL;
    }
    /* A tuple copy: the payload objects cannot change or vanish while we read them. */
    PyObject *items = PySequence_Tuple(payloads);
    if (items == NULL) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    Py_ssize_t total = block_bytes(items, n);
    PyObject *out = total < 0 ? NULL : PyBytes_FromStringAndSize(NULL, total);
    if (out == NULL) {
        Py_DECREF(items);
        return NULL;
    }
    Py_ssize_t used = 0;
    int rc = seal_items(self, items, n, PyBytes_AS_STRING(out), &used,
                        leaves == Py_None ? NULL : leaves);
    Py_DECREF(items);
    if (rc < 0 || _PyBytes_Resize(&out, used) < 0) {
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

static PyObject *Sealer_root(SealerObject *self, PyObject *Py_UNUSED(ignored)) {
    unsigned char h[HASH_LEN];
    if (!ready(self)) return NULL;
    if (self->top == 0) {
        if (!sha256_3(self, NULL, 0, NULL, 0, NULL, 0, h)) goto fail;
        return PyBytes_FromStringAndSize((const char *)h, HASH_LEN);
    }
    memcpy(h, self->stack[self->top - 1], HASH_LEN);
    for (int i = self->top - 2; i >= 0; i--) {
        if (!node_hash(self, self->stack[i], h, h)) goto fail;
    }
    return PyBytes_FromStringAndSize((const char *)h, HASH_LEN);
fail:
    PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
    return NULL;
}

static PyObject *Sealer_get_head(SealerObject *self, void *Py_UNUSED(closure)) {
    return PyUnicode_FromStringAndSize(self->prev, HEX_LEN);
}

static PyObject *Sealer_get_size(SealerObject *self, void *Py_UNUSED(closure)) {
    return PyLong_FromUnsignedLongLong(self->size);
}

static int Sealer_init(SealerObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":Sealer", kwlist)) return -1;
    if (self->ctx == NULL) self->ctx = EVP_MD_CTX_new();
    if (self->md == NULL) self->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (self->ctx == NULL || self->md == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 is not available");
        return -1;
    }
    memset(self->prev, '0', HEX_LEN);
    self->size = 0;
    self->top = 0;
    return 0;
}

static void Sealer_dealloc(SealerObject *self) {
    EVP_MD_CTX_free(self->ctx);
    EVP_MD_free(self->md);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Sealer_methods[] = {
    {"add_block", (PyCFunction)(void (*)(void))Sealer_add_block, METH_VARARGS | METH_KEYWORDS,
     add_block_doc},
    {"root", (PyCFunction)Sealer_root, METH_NOARGS,
     "root()\n--\n\nRFC 9162 tree head over every leaf so far (32 bytes)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Sealer_getset[] = {
    {"head", (getter)Sealer_get_head, NULL, "Hash (hex) of the last line; 64 zeros at first.",
     NULL},
    {"size", (getter)Sealer_get_size, NULL, "Number of lines (leaves) so far.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SealerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "evidencekit.timeline._sealcore.Sealer",
    .tp_doc = PyDoc_STR("Hash chain and RFC 9162 Merkle tree head of timeline lines (C)."),
    .tp_basicsize = sizeof(SealerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Sealer_init,
    .tp_dealloc = (destructor)Sealer_dealloc,
    .tp_methods = Sealer_methods,
    .tp_getset = Sealer_getset,
};

static struct PyModuleDef sealcore_module = {
    PyModuleDef_HEAD_INIT, "_sealcore",
    "C core of the timeline sealer (hash chain + RFC 9162 Merkle tree head, sort key).", -1,
    module_functions, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sealcore(void) {
    if (PyType_Ready(&SealerType) < 0 || sealcore_sort_key_init() < 0) return NULL;
    sealcore_scan_init();
    use_shani = ek_shani_available();
    PyObject *m = PyModule_Create(&sealcore_module);
    if (m == NULL) return NULL;
    Py_INCREF(&SealerType);
    if (PyModule_AddObject(m, "Sealer", (PyObject *)&SealerType) < 0) {
        Py_DECREF(&SealerType);
        Py_DECREF(m);
        return NULL;
    }
    if (sealcore_keyline_add(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
