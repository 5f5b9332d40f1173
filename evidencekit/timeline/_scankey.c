/*
 * The external sorter's item of a canonical event line, read straight from its bytes
 * (part of the _sealcore module): key + line + len(key) as 4 big-endian bytes, where key
 * is evidencekit.timeline.order.py_sort_key(orjson.loads(line)).
 *
 * The scanner is strict and conservative: it accepts only what it fully validates as
 * JSON (grammar, UTF-8, no whitespace, integers of at most 18 digits, no floats, no
 * surrogate escapes, nesting below 64) and the shapes the store writes (str time,
 * source, kind and id; str or non-negative int locator values; no repeated field).
 * Anything else goes to the Python ``fallback(line)``, so results and errors are the
 * reference's. A property test holds the two equal.
 */
#include "_sealcore.h"

#include <string.h>

#define MAX_NESTING 64
#define MAX_INT_DIGITS 18

enum { V_ABSENT = 0, V_STR, V_INT, V_NULL, V_OBJECT, V_OTHER };

typedef struct {
    const unsigned char *start; /* str: between the quotes; int: the digits; object: all */
    Py_ssize_t len;
    int kind;
    int escaped; /* str with backslash escapes */
} Val;

typedef struct {
    const unsigned char *p, *end;
} Scan;

typedef struct {
    const char *name;
    Py_ssize_t len;
} Name;

#define NAME(s) {s, sizeof(s) - 1}
enum { F_ID, F_KIND, F_LOCATOR, F_SOURCE, F_TIME, N_TOP };
static const Name TOP[N_TOP] = {NAME("id"), NAME("kind"), NAME("locator"), NAME("source"),
                                NAME("time")};
#define N_LOC 9 /* order.LOCATOR_ORDER; the tag of member i is i + 1 */
static const Name LOC[N_LOC] = {NAME("partition"), NAME("inode"), NAME("sequence"),
                                NAME("attribute"), NAME("path"),  NAME("record"),
                                NAME("line"),      NAME("offset"), NAME("length")};

/* Length of the strict UTF-8 sequence at p (lead byte >= 0x80), or 0 if invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    Py_ssize_t room = end - p;
    if (c >= 0xC2 && c <= 0xDF) return room >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (room < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (room < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)) return 0;
        return 4;
    }
    return 0;
}

/* Code unit of the \uXXXX escape whose 'u' is at p, or -1. */
static long u_escape(const unsigned char *p, const unsigned char *end) {
    if (end - p < 5) return -1;
    long v = 0;
    for (int i = 1; i <= 4; i++) {
        unsigned c = p[i];
        int h = c >= '0' && c <= '9' ? (int)(c - '0')
                : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
                : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10)
                                       : -1;
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the escape at p (the backslash), or 0; surrogates are left to orjson. */
static int escape_len(const unsigned char *p, const unsigned char *end) {
    if (end - p < 2) return 0;
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return 2;
    case 'u': {
        long code = u_escape(p + 1, end);
        return code < 0 || (code >= 0xD800 && code <= 0xDFFF) ? 0 : 6;
    }
    default:
        return 0;
    }
}

/* Bytes that need a look inside a string: all but printable ASCII other than " and \. */
static unsigned char special[256];

void sealcore_scan_init(void) {
    for (int c = 0; c < 256; c++) special[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

static int scan_string(Scan *s, Val *v) {
    const unsigned char *p = s->p + 1, *end = s->end;
    v->start = p;
    v->escaped = 0;
    for (;;) {
        while (p < end && !special[*p]) p++;
        if (p >= end) return 0;
        unsigned c = *p;
        int n;
        if (c == '"') {
            v->len = p - v->start;
            v->kind = V_STR;
            s->p = p + 1;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c == '\\') {
            v->escaped = 1;
            n = escape_len(p, end);
        } else {
            n = utf8_len(p, end);
        }
        if (n == 0) return 0;
        p += n;
    }
}

static int scan_number(Scan *s, Val *v) {
    const unsigned char *p = s->p, *end = s->end;
    int negative = p < end && *p == '-';
    p += negative;
    const unsigned char *digits = p;
    if (p < end && *p == '0') {
        p++;
    } else {
        while (p < end && *p >= '0' && *p <= '9') p++;
        if (p == digits) return 0;
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) return 0;
    if (p - digits > MAX_INT_DIGITS) return 0;
    v->start = digits;
    v->len = p - digits;
    v->kind = negative ? V_OTHER : V_INT;
    s->p = p;
    return 1;
}

static int scan_literal(Scan *s, Val *v, const char *word, Py_ssize_t n, int kind) {
    if (s->end - s->p < n || memcmp(s->p, word, (size_t)n) != 0) return 0;
    s->p += n;
    v->kind = kind;
    return 1;
}

static int scan_object(Scan *s, Val *v, int depth, const Name *names, int n_names, Val *found);

static int scan_array(Scan *s, Val *v, int depth);

static int scan_value(Scan *s, Val *v, int depth) {
    if (s->p >= s->end) return 0;
    switch (*s->p) {
    case '"': return scan_string(s, v);
    case '{': return scan_object(s, v, depth, NULL, 0, NULL);
    case '[': return scan_array(s, v, depth);
    case 't': return scan_literal(s, v, "true", 4, V_OTHER);
    case 'f': return scan_literal(s, v, "false", 5, V_OTHER);
    case 'n': return scan_literal(s, v, "null", 4, V_NULL);
    default: return scan_number(s, v);
    }
}

static int scan_array(Scan *s, Val *v, int depth) {
    if (depth >= MAX_NESTING) return 0;
    s->p++;
    v->kind = V_OTHER;
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 1;
    }
    for (;;) {
        Val item;
        if (!scan_value(s, &item, depth + 1) || s->p >= s->end) return 0;
        if (*s->p++ == ']') return 1;
        if (s->p[-1] != ',') return 0;
    }
}

/* Which of names a member key is: its index, -1 for none, -2 if escaped (refused). */
static int member_slot(const Val *key, const Name *names, int n_names) {
    if (key->escaped) return -2;
    for (int i = 0; i < n_names; i++)
        if (names[i].len == key->len && memcmp(names[i].name, key->start, (size_t)key->len) == 0)
            return i;
    return -1;
}

/* An object; the members named in names are stored in found (a repeated one: refused). */
static int scan_object(Scan *s, Val *v, int depth, const Name *names, int n_names, Val *found) {
    if (depth >= MAX_NESTING) return 0;
    v->start = s->p++;
    v->kind = V_OBJECT;
    if (s->p < s->end && *s->p == '}') {
        v->len = ++s->p - v->start;
        return 1;
    }
    for (;;) {
        Val key, value;
        if (s->p >= s->end || *s->p != '"' || !scan_string(s, &key)) return 0;
        if (s->p >= s->end || *s->p++ != ':' || !scan_value(s, &value, depth + 1)) return 0;
        if (names != NULL) {
            int slot = member_slot(&key, names, n_names);
            if (slot == -2 || (slot >= 0 && found[slot].kind != V_ABSENT)) return 0;
            if (slot >= 0) found[slot] = value;
        }
        if (s->p >= s->end) return 0;
        if (*s->p++ == '}') break;
        if (s->p[-1] != ',') return 0;
    }
    v->len = s->p - v->start;
    return 1;
}

/* The decoded UTF-8 of a validated string. */
static int put_decoded(Buf *b, const Val *v) {
    const unsigned char *p = v->start, *end = p + v->len;
    if (!v->escaped) return ek_buf_put(b, (const char *)p, v->len);
    while (p < end) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
        if (bs == NULL) return ek_buf_put(b, (const char *)p, end - p);
        if (ek_buf_put(b, (const char *)p, bs - p) < 0) return -1;
        char out[3];
        int n = 1;
        switch (bs[1]) {
        case 'b': out[0] = '\b'; break;
        case 'f': out[0] = '\f'; break;
        case 'n': out[0] = '\n'; break;
        case 'r': out[0] = '\r'; break;
        case 't': out[0] = '\t'; break;
        case 'u': {
            long c = u_escape(bs + 1, end); /* validated: below 0x10000, not a surrogate */
            if (c < 0x80) {
                out[0] = (char)c;
            } else if (c < 0x800) {
                out[0] = (char)(0xC0 | (c >> 6));
                out[1] = (char)(0x80 | (c & 0x3F));
                n = 2;
            } else {
                out[0] = (char)(0xE0 | (c >> 12));
                out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
                out[2] = (char)(0x80 | (c & 0x3F));
                n = 3;
            }
            break;
        }
        default: out[0] = (char)bs[1]; /* " \ / */
        }
        if (ek_buf_put(b, out, n) < 0) return -1;
        p = bs + (bs[1] == 'u' ? 6 : 2);
    }
    return 0;
}

/* order._value of a JSON string or non-negative integer; FALLBACK for other kinds. */
static int put_value(Buf *b, const Val *v) {
    if (v->kind == V_INT) return ek_put_digits(b, (const char *)v->start, v->len);
    if (v->kind != V_STR) return FALLBACK;
    Buf text;
    ek_buf_init(&text);
    int rc = put_decoded(&text, v);
    if (rc == 0) {
        Py_ssize_t i = 0;
        while (i < text.len && text.data[i] >= '0' && text.data[i] <= '9') i++;
        rc = text.len > 0 && i == text.len ? ek_put_digits(b, text.data, text.len)
                                           : ek_put_text(b, text.data, text.len);
    }
    ek_buf_free(&text);
    return rc;
}

static int put_locator(Buf *b, const Val *locator) {
    Val found[N_LOC] = {{0}};
    Val whole;
    Scan s = {locator->start, locator->start + locator->len};
    if (!scan_object(&s, &whole, 1, LOC, N_LOC, found)) return FALLBACK;
    for (int i = 0; i < N_LOC; i++) {
        if (found[i].kind == V_ABSENT || found[i].kind == V_NULL) continue;
        if (ek_buf_byte(b, (char)(i + 1)) < 0) return -1;
        int rc = put_value(b, &found[i]);
        if (rc != DONE) return rc;
    }
    return DONE;
}

static int build_line_key(Buf *b, const unsigned char *line, Py_ssize_t len) {
    Val top[N_TOP] = {{0}};
    Val whole;
    Scan s = {line, line + len};
    if (len == 0 || *line != '{' || !scan_object(&s, &whole, 0, TOP, N_TOP, top) || s.p != s.end)
        return FALLBACK;
    const Val *time = &top[F_TIME], *kind = &top[F_KIND], *locator = &top[F_LOCATOR];
    if (top[F_SOURCE].kind != V_STR || top[F_ID].kind != V_STR) return FALLBACK;
    if (time->kind != V_ABSENT && time->kind != V_NULL && time->kind != V_STR) return FALLBACK;
    int rc;
    if (time->kind == V_STR && time->len > 0) {
        if (ek_buf_byte(b, 0x00) < 0 || put_decoded(b, time) < 0) return -1;
    } else if (ek_buf_byte(b, 0x01) < 0) {
        return -1;
    }
    if (put_decoded(b, &top[F_SOURCE]) < 0) return -1;
    if (locator->kind == V_OBJECT && (rc = put_locator(b, locator)) != DONE) return rc;
    if (locator->kind != V_OBJECT && locator->kind != V_ABSENT && locator->kind != V_NULL)
        return FALLBACK;
    if (ek_buf_byte(b, 0x00) < 0) return -1;
    if (kind->kind == V_ABSENT) {
        if (ek_buf_put(b, "\x02\x00\x00", 3) < 0) return -1;
    } else if ((rc = put_value(b, kind)) != DONE) {
        return rc;
    }
    return put_decoded(b, &top[F_ID]) < 0 ? -1 : DONE;
}

PyObject *sealcore_sort_item(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t n) {
    if (n != 2) {
        PyErr_SetString(PyExc_TypeError, "sort_item(fallback, line) takes two arguments");
        return NULL;
    }
    PyObject *fallback = args[0], *line = args[1];
    if (!PyBytes_CheckExact(line)) return PyObject_CallOneArg(fallback, line);
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(line);
    Py_ssize_t len = PyBytes_GET_SIZE(line);
    Buf key;
    ek_buf_init(&key);
    int rc = build_line_key(&key, data, len);
    PyObject *item = NULL;
    if (rc == FALLBACK) {
        item = PyObject_CallOneArg(fallback, line);
    } else if (rc == DONE && (uint64_t)key.len <= 0xFFFFFFFFu) {
        item = PyBytes_FromStringAndSize(NULL, key.len + len + 4);
        if (item != NULL) {
            unsigned char *out = (unsigned char *)PyBytes_AS_STRING(item);
            memcpy(out, key.data, (size_t)key.len);
            memcpy(out + key.len, data, (size_t)len);
            out += key.len + len;
            for (int i = 0; i < 4; i++) out[i] = (unsigned char)((uint64_t)key.len >> (24 - 8 * i));
        }
    } else if (rc == DONE) {
        PyErr_SetString(PyExc_OverflowError, "sort key too long");
    }
    ek_buf_free(&key);
    return item;
}
