/*
 * The external sorter's per-item work in blocks (part of the _sealcore module): packing
 * items into run files, reading them back, and splitting sorted items into keys and lines
 * with duplicates dropped. An item is key + line + len(key) as 4 big-endian bytes; in a
 * run file each item is preceded by its own length, 4 bytes big-endian. The Python
 * references are order.py_pack_items, py_unpack_items and py_split_sorted.
 */
#include "_sealcore.h"

#include <string.h>

static void put_be32(unsigned char *out, size_t v) {
    for (int i = 0; i < 4; i++) out[i] = (unsigned char)(v >> (24 - 8 * i));
}

static size_t get_be32(const unsigned char *in) {
    return ((size_t)in[0] << 24) | ((size_t)in[1] << 16) | ((size_t)in[2] << 8) | in[3];
}

/* A tuple copy of a sequence: allocations below may run a collector's finalizers, which
   must not be able to change the items under our feet. */
PyObject *sealcore_pack_items(PyObject *Py_UNUSED(module), PyObject *arg) {
    PyObject *items = PySequence_Tuple(arg);
    if (items == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items), total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        if (!PyBytes_CheckExact(item) || PyBytes_GET_SIZE(item) > 0xFFFFFFFFLL ||
            total > PY_SSIZE_T_MAX - 4 - PyBytes_GET_SIZE(item)) {
            PyErr_Format(PyExc_ValueError, "item %zd is not bytes below 4 GiB", i);
            Py_DECREF(items);
            return NULL;
        }
        total += 4 + PyBytes_GET_SIZE(item);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, total);
    if (out != NULL) {
        unsigned char *p = (unsigned char *)PyBytes_AS_STRING(out);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PySequence_Fast_GET_ITEM(items, i);
            size_t len = (size_t)PyBytes_GET_SIZE(item);
            put_be32(p, len);
            memcpy(p + 4, PyBytes_AS_STRING(item), len);
            p += 4 + len;
        }
    }
    Py_DECREF(items);
    return out;
}

PyObject *sealcore_unpack_items(PyObject *Py_UNUSED(module), PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *data = view.buf;
    size_t size = (size_t)view.len, pos = 0;
    PyObject *items = PyList_New(0);
    while (items != NULL && size - pos >= 4) {
        size_t len = get_be32(data + pos);
        if (len > size - pos - 4) break;
        PyObject *item = PyBytes_FromStringAndSize((const char *)data + pos + 4, (Py_ssize_t)len);
        if (item == NULL || PyList_Append(items, item) < 0) Py_CLEAR(items);
        Py_XDECREF(item);
        pos += 4 + len;
    }
    PyBuffer_Release(&view);
    return items == NULL ? NULL : Py_BuildValue("(Nn)", items, (Py_ssize_t)pos);
}

/* Key length of an item, or -1 if the item is malformed. */
static Py_ssize_t key_len(PyObject *item) {
    if (!PyBytes_CheckExact(item) || PyBytes_GET_SIZE(item) < 4) return -1;
    Py_ssize_t size = PyBytes_GET_SIZE(item);
    size_t klen = get_be32((const unsigned char *)PyBytes_AS_STRING(item) + size - 4);
    return klen > (size_t)(size - 4) ? -1 : (Py_ssize_t)klen;
}

static int same_key(PyObject *a, Py_ssize_t alen, PyObject *b, Py_ssize_t blen) {
    return alen == blen && memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)alen) == 0;
}

static int append_slice(PyObject *list, PyObject *item, Py_ssize_t start, Py_ssize_t end) {
    PyObject *part = PyBytes_FromStringAndSize(PyBytes_AS_STRING(item) + start, end - start);
    int rc = part == NULL ? -1 : PyList_Append(list, part);
    Py_XDECREF(part);
    return rc;
}

/* (keys, lines, duplicates, conflict): sorted items split, exact repeats dropped; conflict
   is the index of the first item whose key repeats with a different line, else -1. */
PyObject *sealcore_split_sorted(PyObject *Py_UNUSED(module), PyObject *const *args,
                                Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "split_sorted(items, previous) takes two arguments");
        return NULL;
    }
    if (!PyBytes_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "previous must be bytes (b'' for none)");
        return NULL;
    }
    PyObject *items = PySequence_Tuple(args[0]);
    if (items == NULL) return NULL;
    PyObject *last = args[1], *keys = PyList_New(0), *lines = PyList_New(0);
    Py_ssize_t last_klen = PyBytes_GET_SIZE(last) ? key_len(last) : -2;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items), duplicates = 0, conflict = -1, i;
    for (i = 0; keys != NULL && lines != NULL && i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        Py_ssize_t klen = key_len(item);
        if (last_klen == -1) {
            PyErr_SetString(PyExc_ValueError, "previous is not key + line + key length");
            break;
        }
        if (klen < 0) {
            PyErr_Format(PyExc_ValueError, "item %zd is not key + line + key length", i);
            break;
        }
        if (last_klen >= 0 && same_key(item, klen, last, last_klen)) {
            if (PyBytes_GET_SIZE(item) != PyBytes_GET_SIZE(last) ||
                memcmp(PyBytes_AS_STRING(item), PyBytes_AS_STRING(last),
                       (size_t)PyBytes_GET_SIZE(item)) != 0) {
                conflict = i;
                break;
            }
            duplicates++;
            continue;
        }
        if (append_slice(keys, item, 0, klen) < 0 ||
            append_slice(lines, item, klen, PyBytes_GET_SIZE(item) - 4) < 0)
            break;
        last = item;
        last_klen = klen;
    }
    PyObject *result = NULL;
    if (!PyErr_Occurred() && keys != NULL && lines != NULL)
        result = Py_BuildValue("(OOnn)", keys, lines, duplicates, conflict);
    Py_XDECREF(keys);
    Py_XDECREF(lines);
    Py_DECREF(items);
    return result;
}
