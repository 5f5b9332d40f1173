/* SHA-256 of many raw records at once, as lowercase hex text (the CSV hot path).
 *
 * sha256_hex_all(list of bytes) -> list of str: the same as
 * [hashlib.sha256(raw).hexdigest() for raw in raws] (evidencekit.sources.rowhash holds the
 * Python reference; a hypothesis test holds the two equal). One OpenSSL digest context and
 * one fetched SHA-256 implementation serve every record: hashlib sets a context up per call,
 * which costs more than hashing a log line.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>

static EVP_MD *sha_md = NULL;
static EVP_MD_CTX *sha_ctx = NULL;
static const char HEX[] = "0123456789abcdef";

static PyObject *hex_of(const unsigned char *data, Py_ssize_t size) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_DigestInit_ex(sha_ctx, sha_md, NULL) || !EVP_DigestUpdate(sha_ctx, data, (size_t)size) ||
        !EVP_DigestFinal_ex(sha_ctx, md, &len) || len != 32) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
        return NULL;
    }
    PyObject *text = PyUnicode_New(64, 127);
    if (text == NULL) return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(text);
    for (unsigned int i = 0; i < 32; i++) {
        out[2 * i] = (Py_UCS1)HEX[md[i] >> 4];
        out[2 * i + 1] = (Py_UCS1)HEX[md[i] & 15];
    }
    return text;
}

static PyObject *sha256_hex_all(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "sha256_hex_all takes a list of bytes");
        return NULL;
    }
    if (sha_md == NULL) sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha_ctx == NULL) sha_ctx = EVP_MD_CTX_new();
    if (sha_md == NULL || sha_ctx == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 unavailable");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(arg);
    PyObject *result = PyList_New(n);
    if (result == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(arg, i);
        if (!PyBytes_Check(item)) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_TypeError, "sha256_hex_all takes a list of bytes");
            return NULL;
        }
        PyObject *text = hex_of((const unsigned char *)PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item));
        if (text == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, i, text);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"sha256_hex_all", sha256_hex_all, METH_O,
     "SHA-256 of each bytes object in a list, as lowercase hex text."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rowhash", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rowhash(void) { return PyModule_Create(&module); }
