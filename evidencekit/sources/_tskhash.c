/* MD5 + SHA-1 + SHA-256 for the native core (OpenSSL EVP), without the GIL.
 *
 * hash_media: the calling thread reads the media (libtsk: raw, split or EWF, which
 * decompresses) block by block while two workers digest the previous block, one MD5
 * and one SHA-1 + SHA-256: the same split as hashing.py, so both cores stay busy.
 * hash_file: one file's stream read once into the three digests, keeping its head.
 */
#include "_tskcore.h"
#include <string.h>
#include <openssl/evp.h>

#define FILE_CHUNK (1 << 20)

typedef struct {
    EVP_MD_CTX *ctx[3];
} Digests;

static int digests_init(Digests *d) {
    const EVP_MD *mds[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
    for (int i = 0; i < 3; i++) {
        d->ctx[i] = EVP_MD_CTX_new();
        if (!d->ctx[i] || EVP_DigestInit_ex(d->ctx[i], mds[i], NULL) != 1) return -1;
    }
    return 0;
}

static void digests_hex(Digests *d, char hex[3][65]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 3; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(d->ctx[i], md, &n);
        for (unsigned int j = 0; j < n; j++) {
            hex[i][2 * j] = digits[md[j] >> 4];
            hex[i][2 * j + 1] = digits[md[j] & 15];
        }
        hex[i][2 * n] = 0;
    }
}

static void digests_free(Digests *d) {
    for (int i = 0; i < 3; i++) EVP_MD_CTX_free(d->ctx[i]);
}

/* TSK's messages may quote on-disk bytes: never fail on invalid UTF-8. */
static PyObject *text(const char *s) {
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

/* ------------------------------------------------------------ media hashing */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t posted, finished;
    Digests dg;
    const char *job;
    size_t job_len;
    unsigned long gen;
    int done, stop;
} Pipe;

typedef struct {
    Pipe *pipe;
    int which; /* 0: MD5; 1: SHA-1 + SHA-256 */
} Worker;

static void *worker_main(void *arg) {
    Worker *w = arg;
    Pipe *p = w->pipe;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (seen == p->gen && !p->stop) pthread_cond_wait(&p->posted, &p->mu);
        if (seen == p->gen) { pthread_mutex_unlock(&p->mu); break; }
        seen = p->gen;
        const char *job = p->job;
        size_t len = p->job_len;
        pthread_mutex_unlock(&p->mu);
        if (w->which == 0) {
            EVP_DigestUpdate(p->dg.ctx[0], job, len);
        } else {
            EVP_DigestUpdate(p->dg.ctx[1], job, len);
            EVP_DigestUpdate(p->dg.ctx[2], job, len);
        }
        pthread_mutex_lock(&p->mu);
        p->done++;
        pthread_cond_signal(&p->finished);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static void wait_done(Pipe *p) {
    pthread_mutex_lock(&p->mu);
    while (p->done < 2) pthread_cond_wait(&p->finished, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

static void post(Pipe *p, const char *job, size_t len, int stop) {
    pthread_mutex_lock(&p->mu);
    if (stop) {
        p->stop = 1;
    } else {
        p->job = job;
        p->job_len = len;
        p->done = 0;
        p->gen++;
    }
    pthread_cond_broadcast(&p->posted);
    pthread_mutex_unlock(&p->mu);
}

/* Reads until the end or the first error; returns bytes read, error text in err.
 * threaded: the two workers digest each block; else this thread digests it. */
static long long pump(ImageObject *self, Pipe *p, int threaded, char *buf[2], size_t block,
                      char *err, size_t errlen, long long *err_off) {
    TSK_IMG_INFO *img = self->img;
    long long off = 0, size = (long long)img->size;
    self->hashed = 0;
    int cur = 0;
    p->done = 2;
    while (off < size) {
        size_t want = (size_t)(size - off) < block ? (size_t)(size - off) : block;
        ssize_t got = tsk_img_read(img, off, buf[cur], want);
        if (got <= 0) {
            const char *msg = got < 0 ? tsk_error_get() : "short read: image truncated";
            snprintf(err, errlen, "%s", msg ? msg : "unknown TSK error");
            tsk_error_reset();
            *err_off = off;
            break;
        }
        if (threaded) {
            wait_done(p);
            post(p, buf[cur], (size_t)got, 0);
        } else {
            for (int i = 0; i < 3; i++) EVP_DigestUpdate(p->dg.ctx[i], buf[cur], (size_t)got);
        }
        off += got;
        self->hashed = off;
        cur ^= 1;
    }
    wait_done(p);
    return off;
}

PyObject *tskcore_hash_media(ImageObject *self, PyObject *args) {
    Py_ssize_t block = 1 << 20;
    if (!image_is_open(self) || !PyArg_ParseTuple(args, "|n", &block)) return NULL;
    if (block < 4096 || block > (64 << 20)) {
        PyErr_SetString(PyExc_ValueError, "block must be 4 KiB to 64 MiB");
        return NULL;
    }
    Pipe p = {.gen = 0, .done = 2, .stop = 0};
    char *buf[2] = {malloc((size_t)block), malloc((size_t)block)};
    if (!buf[0] || !buf[1] || digests_init(&p.dg) < 0) {
        free(buf[0]);
        free(buf[1]);
        digests_free(&p.dg);
        return PyErr_NoMemory();
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.posted, NULL);
    pthread_cond_init(&p.finished, NULL);
    Worker w[2] = {{&p, 0}, {&p, 1}};
    pthread_t th[2];
    char err[512] = "";
    long long err_off = -1, total;
    char hex[3][65];
    int started = 0;
    Py_BEGIN_ALLOW_THREADS
    /* No thread to be had (limits, memory): the digests run on this thread instead. */
    while (started < 2 && pthread_create(&th[started], NULL, worker_main, &w[started]) == 0)
        started++;
    if (started < 2) {
        post(&p, NULL, 0, 1);
        if (started) pthread_join(th[0], NULL);
        started = 0;
    }
    total = pump(self, &p, started == 2, buf, (size_t)block, err, sizeof err, &err_off);
    if (started == 2) {
        post(&p, NULL, 0, 1);
        pthread_join(th[0], NULL);
        pthread_join(th[1], NULL);
    }
    digests_hex(&p.dg, hex);
    Py_END_ALLOW_THREADS
    digests_free(&p.dg);
    free(buf[0]);
    free(buf[1]);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.posted);
    pthread_cond_destroy(&p.finished);
    if (err_off >= 0)
        return Py_BuildValue("(LOOOLN)", total, Py_None, Py_None, Py_None, err_off, text(err));
    return Py_BuildValue("(LsssOO)", total, hex[0], hex[1], hex[2], Py_None, Py_None);
}

/* ------------------------------------------------------------- file content */

typedef struct {
    long long read, err_off;
    char *head; /* grows with the bytes read, up to keep (the size may be hostile) */
    size_t head_len, head_cap, keep;
    char err[512];
} FileResult;

/* Appends up to r->keep bytes in all to the head; -1 when out of memory. */
static int keep_head(FileResult *r, const char *data, size_t n) {
    size_t take = r->keep - r->head_len < n ? r->keep - r->head_len : n;
    if (r->head_len + take > r->head_cap) {
        size_t cap = r->head_cap ? r->head_cap : 1 << 16;
        while (cap < r->head_len + take) cap *= 2; /* keep <= 256 MiB: no overflow */
        if (cap > r->keep) cap = r->keep;
        char *grown = realloc(r->head, cap);
        if (!grown) return -1;
        r->head = grown;
        r->head_cap = cap;
    }
    memcpy(r->head + r->head_len, data, take);
    r->head_len += take;
    return 0;
}

static void hash_stream(TSK_FS_FILE *f, int type, int id, long long size, Digests *dg,
                        char *buf, FileResult *r) {
    while (r->read < size) {
        size_t want = (size_t)(size - r->read) < FILE_CHUNK ? (size_t)(size - r->read) : FILE_CHUNK;
        ssize_t got = id < 0 ? tsk_fs_file_read(f, r->read, buf, want, TSK_FS_FILE_READ_FLAG_NONE)
                             : tsk_fs_file_read_type(f, (TSK_FS_ATTR_TYPE_ENUM)type, (uint16_t)id,
                                                     r->read, buf, want,
                                                     TSK_FS_FILE_READ_FLAG_NONE);
        if (got <= 0) {
            const char *msg = got < 0 ? tsk_error_get() : NULL;
            if (got < 0)
                snprintf(r->err, sizeof r->err, "Read error: %s", msg ? msg : "unknown TSK error");
            else
                snprintf(r->err, sizeof r->err, "no data returned (short read)");
            tsk_error_reset();
            r->err_off = r->read;
            return;
        }
        for (int i = 0; i < 3; i++) EVP_DigestUpdate(dg->ctx[i], buf, (size_t)got);
        if (r->head_len < r->keep && keep_head(r, buf, (size_t)got) < 0) {
            snprintf(r->err, sizeof r->err, "out of memory");
            r->err_off = r->read;
            return;
        }
        r->read += got;
    }
}

/* One stream of an open handle, read and hashed; the result tuple built by the caller. */
static void hash_one(FSObject *self, unsigned long long inode, long long size, int type, int id,
                     char *buf, FileResult *r, char hex[3][65]) {
    Digests dg = {{NULL, NULL, NULL}};
    if (digests_init(&dg) < 0) {
        snprintf(r->err, sizeof r->err, "out of memory");
        r->err_off = 0;
        digests_free(&dg);
        return;
    }
    /* An empty stream needs no read (the pytsk3 path never opens one either), nor does
     * a negative size (libtsk's signed size of a hostile 64-bit inode size). */
    TSK_FS_FILE *f = size > 0 ? tsk_fs_file_open_meta(self->fs, NULL, (TSK_INUM_T)inode) : NULL;
    if (f) {
        hash_stream(f, type, id, size, &dg, buf, r);
        tsk_fs_file_close(f);
    } else if (size > 0) {
        const char *msg = tsk_error_get();
        snprintf(r->err, sizeof r->err, "Read error: %s", msg ? msg : "unknown TSK error");
        tsk_error_reset();
        r->err_off = 0;
    }
    digests_hex(&dg, hex);
    digests_free(&dg);
}

static PyObject *result_tuple(const FileResult *r, long long size, char hex[3][65]) {
    const char *head = r->head ? r->head : ""; /* y# of NULL would be None, not b"" */
    if (size < 0) /* as the reference: nothing read, incomplete, no error */
        return Py_BuildValue("(LOOOy#OO)", r->read, Py_None, Py_None, Py_None, head,
                             (Py_ssize_t)0, Py_None, Py_None);
    if (r->err_off >= 0 || r->read != size)
        return Py_BuildValue("(LOOOy#NL)", r->read, Py_None, Py_None, Py_None, head,
                             (Py_ssize_t)r->head_len, text(r->err), r->err_off);
    return Py_BuildValue("(Lsssy#OO)", r->read, hex[0], hex[1], hex[2], head,
                         (Py_ssize_t)r->head_len, Py_None, Py_None);
}

PyObject *tskcore_hash_file(FSObject *self, PyObject *args) {
    unsigned long long inode;
    long long size;
    Py_ssize_t keep;
    int type = -1, id = -1;
    if (!fs_is_open(self) ||
        !PyArg_ParseTuple(args, "KLn|ii", &inode, &size, &keep, &type, &id))
        return NULL;
    if (keep < 0 || keep > (256 << 20) || id > 0xffff) {
        PyErr_SetString(PyExc_ValueError, "bad keep or attribute id");
        return NULL;
    }
    FileResult r = {.read = 0, .err_off = -1, .keep = (size_t)keep};
    char *buf = malloc(FILE_CHUNK);
    if (!buf) return PyErr_NoMemory();
    char hex[3][65];
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->lock);
    hash_one(self, inode, size, type, id, buf, &r, hex);
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    free(buf);
    PyObject *out = result_tuple(&r, size, hex);
    free(r.head);
    return out;
}

PyObject *tskcore_hash_files(FSObject *self, PyObject *args) {
    PyObject *seq;
    Py_ssize_t keep;
    if (!fs_is_open(self) || !PyArg_ParseTuple(args, "On", &seq, &keep)) return NULL;
    /* A tuple copy: converting an item may run Python code (__index__) that changes a
     * list while its items are read by position. */
    PyObject *fast = PySequence_Tuple(seq);
    if (!fast) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(fast);
    unsigned long long *inodes = PyMem_Calloc((size_t)n + 1, sizeof *inodes);
    long long *sizes = PyMem_Calloc((size_t)n + 1, sizeof *sizes);
    FileResult *rs = PyMem_Calloc((size_t)n + 1, sizeof *rs);
    char (*hex)[3][65] = PyMem_Calloc((size_t)n + 1, sizeof *hex);
    char *buf = malloc(FILE_CHUNK);
    int ok = inodes && sizes && rs && hex && buf && keep >= 0 && keep <= (256 << 20);
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        ok = PyArg_ParseTuple(PyTuple_GET_ITEM(fast, i), "KL", &inodes[i], &sizes[i]);
        rs[i] = (FileResult){.read = 0, .err_off = -1, .keep = (size_t)keep};
    }
    PyObject *out = NULL;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        pthread_mutex_lock(&self->lock);
        for (Py_ssize_t i = 0; i < n; i++)
            hash_one(self, inodes[i], sizes[i], -1, -1, buf, &rs[i], hex[i]);
        pthread_mutex_unlock(&self->lock);
        Py_END_ALLOW_THREADS
        out = PyList_New(n);
        for (Py_ssize_t i = 0; out && i < n; i++) {
            PyObject *t = result_tuple(&rs[i], sizes[i], hex[i]);
            if (!t) Py_CLEAR(out);
            else PyList_SET_ITEM(out, i, t);
        }
    } else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "bad items or keep (or out of memory)");
    }
    for (Py_ssize_t i = 0; rs && i < n; i++) free(rs[i].head);
    PyMem_Free(inodes);
    PyMem_Free(sizes);
    PyMem_Free(rs);
    PyMem_Free(hex);
    free(buf);
    Py_DECREF(fast);
    return out;
}
