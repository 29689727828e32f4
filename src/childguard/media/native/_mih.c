/*
 * Multi-index-hashing probe of a PDQ segment (see childguard/media/index/pdq_segment.py).
 *
 * For each query, every probe of the plan names a chunk table and a key; the key's CSR range in
 * the offsets array gives candidate positions (rows for chunk 0, indexes into that chunk's
 * postings otherwise); each candidate row is verified exactly with popcount over the four words.
 * The numpy version of the same computation costs ~0.5 ms per query at 1M rows, mostly in
 * temporaries; here it is table lookups and popcounts, without the GIL.
 *
 * Every index read from the tables is bounds-checked: corrupt tables give ValueError, never an
 * out-of-range read.
 *
 * `scan` is the brute-force counterpart for the few rows not worth tables (the pending buffer,
 * small segments, radii past the probe budget): one call for all queries instead of a numpy pass
 * per query.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WORDS 4
#define N_CHUNKS 12
#define HASH_BYTES 32

/* (word, low bit, width) of each chunk; must match pdq_segment.CHUNKS. */
static const int chunk_word[N_CHUNKS] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
static const int chunk_top[N_CHUNKS] = {21, 42, 64, 21, 42, 64, 21, 42, 64, 21, 42, 64};

typedef struct {
    int64_t row;
    int32_t dist;
} hit_t;

typedef struct {
    hit_t *items;
    size_t len, cap;
} hits_t;

enum { OK = 0, NO_MEMORY = 1, BAD_TABLE = 2 };

static int push(hits_t *h, int64_t row, int32_t dist)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        hit_t *grown = realloc(h->items, cap * sizeof(hit_t));
        if (grown == NULL) {
            return NO_MEMORY;
        }
        h->items = grown;
        h->cap = cap;
    }
    h->items[h->len].row = row;
    h->items[h->len].dist = dist;
    h->len++;
    return OK;
}

typedef struct {
    uint64_t *items;
    size_t len, cap;
} rows_t;

/* Room for at least `extra` more rows. */
static int grow(rows_t *r, size_t extra)
{
    size_t cap = r->cap ? r->cap : 1024;
    while (cap - r->len < extra) {
        cap *= 2;
    }
    uint64_t *grown = realloc(r->items, cap * sizeof(uint64_t));
    if (grown == NULL) {
        return NO_MEMORY;
    }
    r->items = grown;
    r->cap = cap;
    return OK;
}

/* The extension is built without -mpopcnt, where __builtin_popcountll is a library call; on
 * x86-64 with glibc (ifunc) the hot loops are cloned for CPUs with POPCNT and picked at load
 * time, so they get the one-instruction popcount without dropping older CPUs. */
#if defined(__x86_64__) && defined(__GLIBC__) && (defined(__GNUC__) || defined(__clang__))
#define HOT_LOOP __attribute__((target_clones("popcnt", "default")))
#else
#define HOT_LOOP
#endif

static inline int popcount64(uint64_t x)
{
    return __builtin_popcountll(x);
}

static inline int distance4(const uint64_t *a, const uint64_t *b)
{
    return popcount64(a[0] ^ b[0]) + popcount64(a[1] ^ b[1]) + popcount64(a[2] ^ b[2])
           + popcount64(a[3] ^ b[3]);
}

static int by_row(const void *a, const void *b)
{
    int64_t x = ((const hit_t *)a)->row, y = ((const hit_t *)b)->row;
    return (x > y) - (x < y);
}

/* Table entry i as an unsigned 64-bit value, for 4-byte (uint32) or 8-byte (int64) tables. */
static inline uint64_t entry(const void *table, int wide, uint64_t i)
{
    return wide ? ((const uint64_t *)table)[i] : (uint64_t)((const uint32_t *)table)[i];
}

typedef struct {
    const uint64_t *hashes;
    uint64_t n;
    const void *offsets;
    uint64_t offsets_len;
    const void *postings;
    uint64_t postings_len;
    int wide;
    const uint64_t *queries;
    uint64_t nq;
    const int64_t *chunk;
    const uint64_t *mask;
    const uint64_t *table_base;
    uint64_t probes;
    int address_bits;
    int radius;
} job_t;

/* Loads ahead of use: the tables are far larger than the caches, so each lookup is a miss; the
 * work is split into passes whose loads do not depend on each other, and the next loads are
 * prefetched, so that the misses overlap instead of following one another. */
#define AHEAD 16

/* Candidate rows of one query: the CSR range of every probe, then every position's row. */
static int candidates(const job_t *j, const uint64_t *addr, uint64_t *start, uint64_t *end,
                      rows_t *cand)
{
    for (uint64_t p = 0; p < j->probes; p++) {
        uint64_t key = (addr[j->chunk[p]] ^ j->mask[p]) + j->table_base[p];
        if (j->offsets_len < 2 || key > j->offsets_len - 2) {
            return BAD_TABLE;
        }
        start[p] = key;
    }
    const size_t width = j->wide ? 8 : 4;
    for (uint64_t p = 0; p < j->probes; p++) {
        if (p + AHEAD < j->probes) {
            __builtin_prefetch((const char *)j->offsets + start[p + AHEAD] * width);
        }
        uint64_t key = start[p];
        start[p] = entry(j->offsets, j->wide, key);
        end[p] = entry(j->offsets, j->wide, key + 1);
    }
    cand->len = 0;
    for (uint64_t p = 0; p < j->probes; p++) {
        if (p + AHEAD < j->probes && j->chunk[p + AHEAD] > 0) {
            const uint64_t ahead = (uint64_t)(j->chunk[p + AHEAD] - 1) * j->n + start[p + AHEAD];
            if (ahead < j->postings_len) {
                __builtin_prefetch((const char *)j->postings + ahead * width);
            }
        }
        const int64_t k = j->chunk[p];
        const uint64_t s = start[p], e = end[p];
        if (s > e || e > j->n) {
            return BAD_TABLE;
        }
        if (e - s > cand->cap - cand->len && grow(cand, e - s) != OK) {
            return NO_MEMORY;
        }
        uint64_t *dst = cand->items + cand->len;
        if (k == 0) {
            for (uint64_t pos = s; pos < e; pos++) {
                *dst++ = pos;
            }
        } else {
            const uint64_t base = (uint64_t)(k - 1) * j->n;
            if (base + e > j->postings_len) {
                return BAD_TABLE;
            }
            for (uint64_t pos = s; pos < e; pos++) {
                *dst++ = entry(j->postings, j->wide, base + pos);
            }
        }
        cand->len += e - s;
    }
    return OK;
}

/* All verified (row, distance) hits of every query, each query's sorted by row without
 * duplicates; qstart[q] is where query q's hits begin (qstart[nq] = total). */
HOT_LOOP static int probe_all(const job_t *j, hits_t *out, uint64_t *qstart)
{
    const uint64_t addr_mask = (((uint64_t)1) << j->address_bits) - 1;
    uint64_t *start = malloc((j->probes + 1) * sizeof(uint64_t));
    uint64_t *end = malloc((j->probes + 1) * sizeof(uint64_t));
    rows_t cand = {NULL, 0, 0};
    int rc = (start == NULL || end == NULL) ? NO_MEMORY : OK;
    for (uint64_t q = 0; q < j->nq && rc == OK; q++) {
        const uint64_t *qw = j->queries + q * WORDS;
        uint64_t addr[N_CHUNKS];
        for (int k = 0; k < N_CHUNKS; k++) {
            addr[k] = (qw[chunk_word[k]] >> (chunk_top[k] - j->address_bits)) & addr_mask;
        }
        size_t begin = out->len;
        qstart[q] = begin;
        rc = candidates(j, addr, start, end, &cand);
        if (rc != OK) {
            break;
        }
        for (size_t i = 0; i < cand.len && rc == OK; i++) {
            if (cand.items[i] >= j->n) {
                rc = BAD_TABLE;
                break;
            }
        }
        for (size_t i = 0; i < cand.len && rc == OK; i++) {
            if (i + AHEAD < cand.len) {
                __builtin_prefetch(j->hashes + cand.items[i + AHEAD] * WORDS);
            }
            const uint64_t row = cand.items[i];
            int dist = distance4(j->hashes + row * WORDS, qw);
            if (dist <= j->radius) {
                rc = push(out, (int64_t)row, dist);
            }
        }
        if (rc != OK) {
            break;
        }
        size_t count = out->len - begin;
        if (count > 1) {
            hit_t *items = out->items + begin;
            qsort(items, count, sizeof(hit_t), by_row);
            size_t kept = 1;
            for (size_t i = 1; i < count; i++) {
                if (items[i].row != items[kept - 1].row) {
                    items[kept++] = items[i];
                }
            }
            out->len = begin + kept;
        }
    }
    qstart[j->nq] = out->len;
    free(start);
    free(end);
    free(cand.items);
    return rc;
}

/* Rows per block of a scan: a block stays in cache while every query passes over it. */
#define SCAN_ROWS 2048

/* Brute force: every (row, distance) within radius of every query, rows with dead[row] != 0
 * skipped (dead may be NULL); per_query[q] gets query q's hits in row order. */
HOT_LOOP static int scan_all(const uint64_t *hashes, uint64_t n, const unsigned char *dead,
                             const uint64_t *queries, uint64_t nq, int radius,
                             hits_t *per_query)
{
    for (uint64_t lo = 0; lo < n; lo += SCAN_ROWS) {
        const uint64_t hi = n - lo > SCAN_ROWS ? lo + SCAN_ROWS : n;
        for (uint64_t q = 0; q < nq; q++) {
            const uint64_t *qw = queries + q * WORDS;
            for (uint64_t row = lo; row < hi; row++) {
                if (dead != NULL && dead[row]) {
                    continue;
                }
                const int dist = distance4(hashes + row * WORDS, qw);
                if (dist <= radius && push(&per_query[q], (int64_t)row, dist) != OK) {
                    return NO_MEMORY;
                }
            }
        }
    }
    return OK;
}

static PyObject *bytes_of(size_t size, char **data)
{
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (b != NULL) {
        *data = PyBytes_AS_STRING(b);
    }
    return b;
}

/* (query numbers int64, rows int64, distances int32) as three bytes objects; query q's hits are
 * items[qstart[q]:qstart[q + 1]]. */
static PyObject *hits_result(const hit_t *items, const uint64_t *qstart, uint64_t nq)
{
    const size_t total = (size_t)qstart[nq];
    char *qd = NULL, *rd = NULL, *dd = NULL;
    PyObject *qb = bytes_of(total * 8, &qd);
    PyObject *rb = bytes_of(total * 8, &rd);
    PyObject *db = bytes_of(total * 4, &dd);
    if (qb == NULL || rb == NULL || db == NULL) {
        Py_XDECREF(qb);
        Py_XDECREF(rb);
        Py_XDECREF(db);
        return NULL;
    }
    int64_t *qi = (int64_t *)qd, *ri = (int64_t *)rd;
    int32_t *di = (int32_t *)dd;
    for (uint64_t q = 0; q < nq; q++) {
        for (uint64_t i = qstart[q]; i < qstart[q + 1]; i++) {
            qi[i] = (int64_t)q;
            ri[i] = items[i].row;
            di[i] = items[i].dist;
        }
    }
    return Py_BuildValue("(NNN)", qb, rb, db);
}

static PyObject *mih_probe(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *keywords[] = {"hashes",     "offsets",      "postings", "queries",
                               "chunk",      "mask",         "table_base", "index_bytes",
                               "address_bits", "radius",     NULL};
    Py_buffer hashes, offsets, postings, queries, chunk, mask, table_base;
    int index_bytes, address_bits, radius;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*y*y*y*y*y*iii", keywords, &hashes,
                                     &offsets, &postings, &queries, &chunk, &mask, &table_base,
                                     &index_bytes, &address_bits, &radius)) {
        return NULL;
    }
    PyObject *result = NULL;
    hits_t hits = {NULL, 0, 0};
    uint64_t *qstart = NULL;
    const char *problem = NULL;
    uint64_t probes = (uint64_t)chunk.len / 8;
    if (index_bytes != 4 && index_bytes != 8) {
        problem = "index_bytes must be 4 (uint32 tables) or 8 (int64 tables)";
    } else if (address_bits < 1 || address_bits > 21) {
        problem = "address_bits must be in 1..21";
    } else if (hashes.len % HASH_BYTES || queries.len % HASH_BYTES) {
        problem = "hashes and queries must hold whole 32-byte hashes";
    } else if (offsets.len % index_bytes || postings.len % index_bytes) {
        problem = "offsets and postings must hold whole index_bytes entries";
    } else if (chunk.len % 8 || mask.len != chunk.len || table_base.len != chunk.len) {
        problem = "chunk, mask and table_base must be int64/uint64 arrays of one length";
    } else {
        const int64_t *c = (const int64_t *)chunk.buf;
        const uint64_t *m = (const uint64_t *)mask.buf;
        for (uint64_t p = 0; p < probes && problem == NULL; p++) {
            if (c[p] < 0 || c[p] >= N_CHUNKS) {
                problem = "chunk numbers must be in 0..11";
            } else if (m[p] >> address_bits) {
                problem = "a probe mask is wider than address_bits";
            }
        }
    }
    if (problem != NULL) {
        PyErr_SetString(PyExc_ValueError, problem);
        goto done;
    }
    job_t job = {
        .hashes = (const uint64_t *)hashes.buf,
        .n = (uint64_t)hashes.len / HASH_BYTES,
        .offsets = offsets.buf,
        .offsets_len = (uint64_t)offsets.len / (uint64_t)index_bytes,
        .postings = postings.buf,
        .postings_len = (uint64_t)postings.len / (uint64_t)index_bytes,
        .wide = index_bytes == 8,
        .queries = (const uint64_t *)queries.buf,
        .nq = (uint64_t)queries.len / HASH_BYTES,
        .chunk = (const int64_t *)chunk.buf,
        .mask = (const uint64_t *)mask.buf,
        .table_base = (const uint64_t *)table_base.buf,
        .probes = probes,
        .address_bits = address_bits,
        .radius = radius,
    };
    qstart = malloc((job.nq + 1) * sizeof(uint64_t));
    if (qstart == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = probe_all(&job, &hits, qstart);
    Py_END_ALLOW_THREADS
    if (rc == NO_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (rc == BAD_TABLE) {
        PyErr_SetString(PyExc_ValueError,
                        "segment tables are inconsistent: a key, range or row is out of bounds");
        goto done;
    }
    result = hits_result(hits.items, qstart, job.nq);
done:
    free(hits.items);
    free(qstart);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&postings);
    PyBuffer_Release(&queries);
    PyBuffer_Release(&chunk);
    PyBuffer_Release(&mask);
    PyBuffer_Release(&table_base);
    return result;
}

static PyObject *mih_scan(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *keywords[] = {"hashes", "queries", "dead", "radius", NULL};
    Py_buffer hashes, queries, dead;
    int radius;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*y*i", keywords, &hashes, &queries, &dead,
                                     &radius)) {
        return NULL;
    }
    PyObject *result = NULL;
    const uint64_t n = (uint64_t)hashes.len / HASH_BYTES;
    const uint64_t nq = (uint64_t)queries.len / HASH_BYTES;
    hits_t *per_query = NULL;
    hits_t all = {NULL, 0, 0};
    uint64_t *qstart = NULL;
    if (hashes.len % HASH_BYTES || queries.len % HASH_BYTES) {
        PyErr_SetString(PyExc_ValueError, "hashes and queries must hold whole 32-byte hashes");
        goto done;
    }
    if (dead.len != 0 && (uint64_t)dead.len != n) {
        PyErr_SetString(PyExc_ValueError, "dead must be empty or hold one byte per row");
        goto done;
    }
    per_query = calloc(nq + 1, sizeof(hits_t));
    qstart = malloc((nq + 1) * sizeof(uint64_t));
    if (per_query == NULL || qstart == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = scan_all((const uint64_t *)hashes.buf, n,
                  dead.len ? (const unsigned char *)dead.buf : NULL,
                  (const uint64_t *)queries.buf, nq, radius, per_query);
    if (rc == OK) {
        size_t total = 0;
        for (uint64_t q = 0; q < nq; q++) {
            qstart[q] = total;
            total += per_query[q].len;
        }
        qstart[nq] = total;
        all.items = malloc((total ? total : 1) * sizeof(hit_t));
        if (all.items == NULL) {
            rc = NO_MEMORY;
        } else {
            for (uint64_t q = 0; q < nq; q++) {
                if (per_query[q].len) {
                    memcpy(all.items + qstart[q], per_query[q].items,
                           per_query[q].len * sizeof(hit_t));
                }
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (rc != OK) {
        PyErr_NoMemory();
        goto done;
    }
    result = hits_result(all.items, qstart, nq);
done:
    if (per_query != NULL) {
        for (uint64_t q = 0; q < nq; q++) {
            free(per_query[q].items);
        }
    }
    free(per_query);
    free(all.items);
    free(qstart);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&queries);
    PyBuffer_Release(&dead);
    return result;
}

static PyMethodDef methods[] = {
    {"probe", (PyCFunction)(void (*)(void))mih_probe, METH_VARARGS | METH_KEYWORDS,
     "probe(hashes, offsets, postings, queries, chunk, mask, table_base, index_bytes,\n"
     "      address_bits, radius) -> (bytes, bytes, bytes)\n\n"
     "Every (query, row) pair within radius found by the probes: query numbers (int64), rows\n"
     "(int64) and distances (int32), ordered by (query, row), each pair once. ValueError on\n"
     "inconsistent sizes or tables."},
    {"scan", (PyCFunction)(void (*)(void))mih_scan, METH_VARARGS | METH_KEYWORDS,
     "scan(hashes, queries, dead, radius) -> (bytes, bytes, bytes)\n\n"
     "Brute force: every (query, row) pair within radius, skipping rows whose dead byte is\n"
     "nonzero (dead empty: none). Query numbers (int64), rows (int64) and distances (int32),\n"
     "ordered by (query, row). ValueError on inconsistent sizes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_mih", "Multi-index-hashing probe and brute-force scan of PDQ hashes.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__mih(void)
{
    return PyModule_Create(&module);
}
