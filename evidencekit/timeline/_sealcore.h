/* Shared by the C files of evidencekit.timeline._sealcore. */
#ifndef EK_SEALCORE_H
#define EK_SEALCORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Outcome of building a key: done, or the Python reference must handle this event. */
enum { DONE = 0, FALLBACK = 1 };

/* A growable byte buffer that starts on the stack. */
typedef struct {
    char *data;
    Py_ssize_t len, cap;
    char small[512];
} Buf;

void ek_buf_init(Buf *b);
void ek_buf_free(Buf *b);
int ek_buf_put(Buf *b, const char *src, Py_ssize_t n);
int ek_buf_byte(Buf *b, char c);
/* Pieces of the sort key (order.py _value); 0, FALLBACK, or -1 with an exception set. */
int ek_put_text(Buf *b, const char *s, Py_ssize_t n);
int ek_put_digits(Buf *b, const char *digits, Py_ssize_t n);

/* _shani.c: SHA-256 with the x86 SHA extensions (only call when available). */
int ek_shani_available(void);
void ek_shani_sha256(const unsigned char *data, size_t len, unsigned char out[32]);
/* Two messages at once; b_first >= 0 replaces the first byte of b. */
void ek_shani_pair(const unsigned char *a, size_t alen, unsigned char out_a[32],
                   const unsigned char *b, size_t blen, int b_first, unsigned char out_b[32]);

int sealcore_sort_key_init(void);
PyObject *sealcore_sort_key(PyObject *module, PyObject *const *args, Py_ssize_t n);
void sealcore_scan_init(void);
PyObject *sealcore_sort_item(PyObject *module, PyObject *const *args, Py_ssize_t n);

/* _runs.c */
PyObject *sealcore_pack_items(PyObject *module, PyObject *arg);
PyObject *sealcore_unpack_items(PyObject *module, PyObject *arg);
PyObject *sealcore_split_sorted(PyObject *module, PyObject *const *args, Py_ssize_t n);

/* _keyline.c: adds the Keyer type; _sealcore.c: whether SHA-256 runs on the SHA extensions. */
int sealcore_keyline_add(PyObject *module);
int ek_sealcore_shani(void);

#endif
