/*
 * The keyed event line (part of the _sealcore module): Keyer(id_key, salt_key).line(data)
 * is byte for byte what evidencekit.events.keys.EventKeyer.keyed_line_py returns, given
 * data = orjson.dumps(content, option=OPT_SORT_KEYS):
 *
 *   id   = HMAC-SHA256(id_key, data)[:16] as hex,  salt = HMAC-SHA256(salt_key, data)[:16]
 *   line = data with "id":"<id>" and "salt":"<salt>" inserted among the top-level members
 *          where orjson's key sort puts them (keys compare as UTF-8 bytes, i.e. code points)
 *
 * The input is orjson's compact output, so the scanner only follows the structure: strings
 * (a backslash escapes the byte after it), nesting, members. It declines
 * (returns None, and Python does the reference work) whatever it does not fully know: not
 * an object, a top-level key with a backslash escape or a non-ASCII byte (its escaped text
 * would not sort like the key), an existing top-level "id" or "salt", a broken structure.
 *
 * HMAC (RFC 2104) from the key pads: with the x86 SHA extensions the id and salt messages
 * (pad block + data, then pad block + inner hash) are hashed in lockstep (_shani.c);
 * otherwise OpenSSL continues copies of contexts that have already absorbed the pad blocks.
 * The _sha_ni switch of the module selects between the two, as for the sealer.
 */
#include "_sealcore.h"

#include <string.h>
#include <openssl/evp.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BLOCK 64
#define HASH_LEN 32
#define HEX_LEN 32 /* the first 16 bytes of each HMAC */
#define SCRATCH_KEPT (1 << 20) /* scratch kept between events up to this size */
/* "id":"<hex>" and "salt":"<hex>" without their commas: one each, one in all in {}. */
#define ID_MEMBER (6 + HEX_LEN + 1)
#define SALT_MEMBER (8 + HEX_LEN + 1)

enum { K_ID = 0, K_SALT = 1 };

typedef struct {
    PyObject_HEAD
    unsigned char ipad[2][BLOCK], opad[2][BLOCK]; /* key ^ 0x36.., key ^ 0x5c.. */
    EVP_MD_CTX *inner[2], *outer[2];              /* OpenSSL states after the pad blocks */
    EVP_MD_CTX *work;
    unsigned char *scratch;                       /* SHA-NI messages: pad block + data, x2 */
    Py_ssize_t scratch_cap;
} KeyerObject;

/* ---- HMAC ---------------------------------------------------------------------------- */

/* Both HMACs through OpenSSL, continuing the precomputed pad states. */
static int hmac_openssl(KeyerObject *k, const unsigned char *data, size_t len,
                        unsigned char out[2][HASH_LEN]) {
    for (int i = 0; i < 2; i++) {
        unsigned char inner[HASH_LEN];
        if (!EVP_MD_CTX_copy_ex(k->work, k->inner[i]) || !EVP_DigestUpdate(k->work, data, len) ||
            !EVP_DigestFinal_ex(k->work, inner, NULL) ||
            !EVP_MD_CTX_copy_ex(k->work, k->outer[i]) ||
            !EVP_DigestUpdate(k->work, inner, HASH_LEN) ||
            !EVP_DigestFinal_ex(k->work, out[i], NULL)) {
            PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
            return -1;
        }
    }
    return 0;
}

/* Both HMACs on the x86 SHA extensions, id and salt messages in lockstep. */
static int hmac_shani(KeyerObject *k, const unsigned char *data, size_t len,
                      unsigned char out[2][HASH_LEN]) {
    if ((Py_ssize_t)len > PY_SSIZE_T_MAX / 2 - BLOCK) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t need = 2 * (BLOCK + (Py_ssize_t)len);
    if (need > k->scratch_cap) {
        unsigned char *grown = PyMem_Realloc(k->scratch, (size_t)need);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        k->scratch = grown;
        k->scratch_cap = need;
    }
    unsigned char *a = k->scratch, *b = k->scratch + BLOCK + len;
    memcpy(a, k->ipad[K_ID], BLOCK);
    memcpy(a + BLOCK, data, len);
    memcpy(b, k->ipad[K_SALT], BLOCK);
    memcpy(b + BLOCK, data, len);
    unsigned char inner[2][HASH_LEN], oa[BLOCK + HASH_LEN], ob[BLOCK + HASH_LEN];
    ek_shani_pair(a, BLOCK + len, inner[K_ID], b, BLOCK + len, -1, inner[K_SALT]);
    memcpy(oa, k->opad[K_ID], BLOCK);
    memcpy(oa + BLOCK, inner[K_ID], HASH_LEN);
    memcpy(ob, k->opad[K_SALT], BLOCK);
    memcpy(ob + BLOCK, inner[K_SALT], HASH_LEN);
    ek_shani_pair(oa, sizeof oa, out[K_ID], ob, sizeof ob, -1, out[K_SALT]);
    if (k->scratch_cap > SCRATCH_KEPT) { /* one huge event does not pin its copy */
        PyMem_Free(k->scratch);
        k->scratch = NULL;
        k->scratch_cap = 0;
    }
    return 0;
}

/* ---- the top-level members ----------------------------------------------------------- */

#if defined(__SSE2__)
/* Bit i set where byte i of s[0..16) is a quote or a backslash, or (keys) not ASCII. */
static inline unsigned stops16(const char *s, int non_ascii) {
    __m128i v = _mm_loadu_si128((const __m128i *)s);
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return (unsigned)_mm_movemask_epi8(hit) | (non_ascii ? (unsigned)_mm_movemask_epi8(v) : 0);
}
#endif

/* Index just past the string whose opening quote is at q, or -1. Escapes are stepped
   over (an escaped quote does not end it); sixteen bytes at a time where SSE2 is there. */
static Py_ssize_t skip_string(const char *s, Py_ssize_t n, Py_ssize_t q) {
    Py_ssize_t i = q + 1;
#if defined(__SSE2__)
    while (i + 16 <= n) {
        unsigned m = stops16(s + i, 0);
        if (m == 0) {
            i += 16;
            continue;
        }
        i += __builtin_ctz(m);
        if (s[i] == '"') return i + 1;
        i += 2; /* a backslash and the byte it escapes */
    }
#endif
    while (i < n) {
        if (s[i] == '"') return i + 1;
        i += s[i] == '\\' ? 2 : 1;
    }
    return -1;
}

/* Index of the first quote, backslash or non-ASCII byte at or after i, or n. */
static Py_ssize_t key_end(const char *s, Py_ssize_t n, Py_ssize_t i) {
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        unsigned m = stops16(s + i, 1);
        if (m) return i + __builtin_ctz(m);
    }
#endif
    while (i < n && s[i] != '"' && s[i] != '\\' && !(s[i] & 0x80)) i++;
    return i;
}

/* A byte of a number, true, false or null. */
static int scalar_byte(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.';
}

/* Index of the ',' or '}' after the member value starting at i, or -1. */
static Py_ssize_t skip_value(const char *s, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t depth = 0, start = i;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (i < 0) return -1;
            if (depth == 0) return i;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i > start ? i : -1;
            if (--depth == 0) return i + 1;
        } else if (c == ',' && depth == 0) {
            return i > start ? i : -1;
        } else if (depth == 0 && !scalar_byte(c)) {
            return -1;
        }
        i++;
    }
    return -1;
}

/* Sign of key (n bytes) against name (m bytes) in code point order (keys here are ASCII). */
static inline int compare_key(const char *key, Py_ssize_t n, const char *name, Py_ssize_t m) {
    for (Py_ssize_t i = 0; i < n && i < m; i++)
        if (key[i] != name[i]) return (unsigned char)key[i] < (unsigned char)name[i] ? -1 : 1;
    return n < m ? -1 : n > m;
}

/* Where "id" and "salt" go: the index of the first member whose key sorts after each, or
   of the closing brace. 0 when found, FALLBACK for anything to decline (keys not in strictly
   rising order, too: then the places would be wrong, and an "id" could hide further on). */
static int find_places(const char *s, Py_ssize_t n, Py_ssize_t at[2]) {
    static const char *NAMES[2] = {"id", "salt"};
    static const Py_ssize_t LENS[2] = {2, 4};
    at[K_ID] = at[K_SALT] = -1;
    if (n < 2 || s[0] != '{' || s[n - 1] != '}') return FALLBACK;
    if (n == 2) {
        at[K_ID] = at[K_SALT] = 1;
        return 0;
    }
    for (Py_ssize_t i = 1, prev = -1, prev_len = 0;;) {
        if (s[i] != '"') return FALLBACK;
        Py_ssize_t k = key_end(s, n, i + 1);
        if (k >= n - 1 || s[k] != '"' || s[k + 1] != ':') return FALLBACK;
        if (prev >= 0 && compare_key(s + prev, prev_len, s + i + 1, k - i - 1) >= 0)
            return FALLBACK;
        prev = i + 1;
        prev_len = k - i - 1;
        for (int j = 0; j < 2; j++) {
            if (at[j] >= 0) continue;
            int c = compare_key(s + i + 1, k - i - 1, NAMES[j], LENS[j]);
            if (c == 0) return FALLBACK;
            if (c > 0) at[j] = i;
        }
        Py_ssize_t end = skip_value(s, n, k + 2);
        if (end < 0 || end >= n) return FALLBACK;
        if (s[end] == '}') {
            if (end != n - 1) return FALLBACK;
            break;
        }
        if (s[end] != ',') return FALLBACK;
        i = end + 1;
    }
    for (int j = 0; j < 2; j++)
        if (at[j] < 0) at[j] = n - 1;
    return 0;
}

/* ---- the line ------------------------------------------------------------------------ */

static const char HEXDIGITS[] = "0123456789abcdef";

static char *put_member(char *p, const char *name, Py_ssize_t name_len,
                        const unsigned char *mac, int comma_before, int comma_after) {
    if (comma_before) *p++ = ',';
    *p++ = '"';
    memcpy(p, name, (size_t)name_len);
    p += name_len;
    memcpy(p, "\":\"", 3);
    p += 3;
    for (int i = 0; i < HEX_LEN / 2; i++) {
        *p++ = HEXDIGITS[mac[i] >> 4];
        *p++ = HEXDIGITS[mac[i] & 15];
    }
    *p++ = '"';
    if (comma_after) *p++ = ',';
    return p;
}

/* The keyed line: s split at both places, each member put with the comma it needs. */
static PyObject *build_line(const char *s, Py_ssize_t n, const Py_ssize_t at[2],
                            unsigned char mac[2][HASH_LEN]) {
    Py_ssize_t size = n + ID_MEMBER + SALT_MEMBER + 1 + (n > 2);
    PyObject *line = PyBytes_FromStringAndSize(NULL, size);
    if (line == NULL) return NULL;
    char *p = PyBytes_AS_STRING(line);
    Py_ssize_t done = 0;
    static const char *NAMES[2] = {"id", "salt"};
    static const Py_ssize_t LENS[2] = {2, 4};
    for (int j = 0; j < 2; j++) {
        memcpy(p, s + done, (size_t)(at[j] - done));
        p += at[j] - done;
        done = at[j];
        /* Before a member: comma after; before the brace: comma before unless first. */
        int at_brace = at[j] == n - 1;
        p = put_member(p, NAMES[j], LENS[j], mac[j], at_brace && (n > 2 || j > 0), !at_brace);
    }
    memcpy(p, s + done, (size_t)(n - done));
    return line;
}

static PyObject *hex_id(const unsigned char *mac) {
    PyObject *text = PyUnicode_New(HEX_LEN, 127);
    if (text == NULL) return NULL;
    Py_UCS1 *p = PyUnicode_1BYTE_DATA(text);
    for (int i = 0; i < HEX_LEN / 2; i++) {
        p[2 * i] = (Py_UCS1)HEXDIGITS[mac[i] >> 4];
        p[2 * i + 1] = (Py_UCS1)HEXDIGITS[mac[i] & 15];
    }
    return text;
}

PyDoc_STRVAR(line_doc,
"line(data)\n--\n\n"
"``(line, id)`` for ``data = orjson.dumps(content, option=OPT_SORT_KEYS)``: the same as\n"
"EventKeyer.keyed_line_py(content). None for anything unusual (the caller falls back).");

static PyObject *Keyer_line(KeyerObject *self, PyObject *arg) {
    if (self->work == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Keyer.__init__ was not called");
        return NULL;
    }
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "data must be bytes, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(arg);
    Py_ssize_t n = PyBytes_GET_SIZE(arg), at[2];
    if (find_places(s, n, at) == FALLBACK) Py_RETURN_NONE;
    unsigned char mac[2][HASH_LEN];
    int rc = ek_sealcore_shani() ? hmac_shani(self, (const unsigned char *)s, (size_t)n, mac)
                                 : hmac_openssl(self, (const unsigned char *)s, (size_t)n, mac);
    if (rc < 0) return NULL;
    PyObject *line = build_line(s, n, at, mac);
    PyObject *ident = line == NULL ? NULL : hex_id(mac[K_ID]);
    if (ident == NULL) {
        Py_XDECREF(line);
        return NULL;
    }
    PyObject *out = PyTuple_New(2);
    if (out == NULL) {
        Py_DECREF(line);
        Py_DECREF(ident);
        return NULL;
    }
    PyTuple_SET_ITEM(out, 0, line);
    PyTuple_SET_ITEM(out, 1, ident);
    return out;
}

/* ---- the type ------------------------------------------------------------------------ */

/* Pads of one key (RFC 2104: a key longer than the block is hashed first), and the
   OpenSSL states that have absorbed them. */
static int set_key(KeyerObject *k, int j, const unsigned char *key, Py_ssize_t len,
                   const EVP_MD *md) {
    unsigned char block[BLOCK] = {0};
    if (len > BLOCK) {
        if (!EVP_Digest(key, (size_t)len, block, NULL, md, NULL)) return 0;
    } else {
        memcpy(block, key, (size_t)len);
    }
    for (int i = 0; i < BLOCK; i++) {
        k->ipad[j][i] = block[i] ^ 0x36;
        k->opad[j][i] = block[i] ^ 0x5c;
    }
    if (k->inner[j] == NULL) k->inner[j] = EVP_MD_CTX_new();
    if (k->outer[j] == NULL) k->outer[j] = EVP_MD_CTX_new();
    return k->inner[j] != NULL && k->outer[j] != NULL &&
           EVP_DigestInit_ex(k->inner[j], md, NULL) &&
           EVP_DigestUpdate(k->inner[j], k->ipad[j], BLOCK) &&
           EVP_DigestInit_ex(k->outer[j], md, NULL) &&
           EVP_DigestUpdate(k->outer[j], k->opad[j], BLOCK);
}

static int Keyer_init(KeyerObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"id_key", "salt_key", NULL};
    Py_buffer keys[2];
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*:Keyer", kwlist, &keys[0], &keys[1]))
        return -1;
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    int ok = md != NULL;
    for (int j = 0; j < 2 && ok; j++)
        ok = set_key(self, j, keys[j].buf, keys[j].len, md);
    if (ok && self->work == NULL) ok = (self->work = EVP_MD_CTX_new()) != NULL;
    EVP_MD_free(md);
    PyBuffer_Release(&keys[0]);
    PyBuffer_Release(&keys[1]);
    if (!ok) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 is not available");
        return -1;
    }
    return 0;
}

static void Keyer_dealloc(KeyerObject *self) {
    for (int j = 0; j < 2; j++) {
        EVP_MD_CTX_free(self->inner[j]);
        EVP_MD_CTX_free(self->outer[j]);
    }
    EVP_MD_CTX_free(self->work);
    PyMem_Free(self->scratch);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Keyer_methods[] = {
    {"line", (PyCFunction)Keyer_line, METH_O, line_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeyerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "evidencekit.timeline._sealcore.Keyer",
    .tp_doc = PyDoc_STR("Keyer(id_key, salt_key): keyed event lines (id and salt HMACs)."),
    .tp_basicsize = sizeof(KeyerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Keyer_init,
    .tp_dealloc = (destructor)Keyer_dealloc,
    .tp_methods = Keyer_methods,
};

int sealcore_keyline_add(PyObject *module) {
    if (PyType_Ready(&KeyerType) < 0) return -1;
    Py_INCREF(&KeyerType);
    if (PyModule_AddObject(module, "Keyer", (PyObject *)&KeyerType) < 0) {
        Py_DECREF(&KeyerType);
        return -1;
    }
    return 0;
}
