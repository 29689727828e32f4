/*
 * PDQ photo hashing in one pass over decoded 8-bit RGB pixels, bit-exact with Meta's C++
 * reference hasher as the pdqhash binding drives it (luma computed in double, then float).
 *
 * Every float result must be IEEE-identical to the reference: build with -ffp-contract=off
 * (no fused multiply-add) and never with -ffast-math. Each output element sees the same
 * sequence of float operations as in the reference; only the traversal order changes
 * (the column box filter runs all columns' running sums side by side, row by row, so the
 * memory is read sequentially).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The reference shrinks an image with a side over this to this square by nearest neighbour. */
#define REFERENCE_SIDE 512
/* The reference gives an all-zero hash and quality 0 below this many pixels on a side. */
#define MIN_HASHABLE_SIDE 5
#define JAROSZ_PASSES 2
#define HASH_BYTES 32
#define NUM_DIHEDRAL 8

static float dct_matrix[16][64];
/* value * coefficient in double for every 8-bit value: the products the binding computes. */
static double luma_r[256], luma_g[256], luma_b[256];
static int tables_ready = 0;

/* Rows 1..16 of the 64-point DCT-II basis, scaled; the float rounding follows the reference:
 * a float scale times a double cosine, rounded to float. Also the luma product tables. */
static void init_tables(void)
{
    for (int v = 0; v < 256; v++) {
        luma_r[v] = (double)v * 0.299;
        luma_g[v] = (double)v * 0.587;
        luma_b[v] = (double)v * 0.114;
    }
    const float scale = (float)sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 64; j++) {
            double angle = (3.14159265358979323846 / 2.0 / 64.0) * (double)(i + 1)
                           * (double)(2 * j + 1);
            dct_matrix[i][j] = (float)((double)scale * cos(angle));
        }
    }
    tables_ready = 1;
}

/* Reference window: ceil(old / (2 * new)) with new = 64. */
static int window_size(int old_side)
{
    return (old_side + 2 * 64 - 1) / (2 * 64);
}

/* Luma of the (possibly shrunk) image, as pdqhash computes it: double, then float. */
static void fill_luma(const uint8_t *restrict rgb, int width, int height, int cols, int rows,
                      float *restrict luma)
{
    if (cols == width && rows == height) {
        size_t n = (size_t)width * (size_t)height;
        for (size_t k = 0; k < n; k++) {
            const uint8_t *p = rgb + 3 * k;
            luma[k] = (float)((luma_r[p[0]] + luma_g[p[1]]) + luma_b[p[2]]);
        }
        return;
    }
    for (int i = 0; i < rows; i++) {
        int64_t src_row = ((int64_t)i * height) / rows;
        const uint8_t *line = rgb + (size_t)src_row * (size_t)width * 3;
        float *out = luma + (size_t)i * (size_t)cols;
        for (int j = 0; j < cols; j++) {
            int64_t src_col = ((int64_t)j * width) / cols;
            const uint8_t *p = line + 3 * src_col;
            out[j] = (float)((luma_r[p[0]] + luma_g[p[1]]) + luma_b[p[2]]);
        }
    }
}

/* The reference's four-phase running box mean along one contiguous vector. */
static void box_along_row(const float *in, float *out, int length, int window)
{
    int half = (window + 2) / 2;
    int phase1 = half - 1;
    int phase2 = window - half + 1;
    int phase3 = length - window;
    int phase4 = half - 1;
    int li = 0, ri = 0, oi = 0, count = 0;
    float sum = 0.0f;
    for (int k = 0; k < phase1; k++) {
        sum += in[ri++];
        count++;
    }
    for (int k = 0; k < phase2; k++) {
        sum += in[ri++];
        count++;
        out[oi++] = sum / (float)count;
    }
    for (int k = 0; k < phase3; k++) {
        sum += in[ri++];
        sum -= in[li++];
        out[oi++] = sum / (float)count;
    }
    for (int k = 0; k < phase4; k++) {
        sum -= in[li++];
        count--;
        out[oi++] = sum / (float)count;
    }
}

/* The same running mean down every column, all columns advanced together one row at a time. */
static void box_along_cols(const float *in, float *out, float *sums, int rows, int cols,
                           int window)
{
    int half = (window + 2) / 2;
    int phase1 = half - 1;
    int phase2 = window - half + 1;
    int phase3 = rows - window;
    int phase4 = half - 1;
    int li = 0, ri = 0, oi = 0, count = 0;
    for (int j = 0; j < cols; j++) {
        sums[j] = 0.0f;
    }
    for (int k = 0; k < phase1; k++, ri++) {
        const float *add = in + (size_t)ri * cols;
        for (int j = 0; j < cols; j++) {
            sums[j] += add[j];
        }
        count++;
    }
    for (int k = 0; k < phase2; k++, ri++, oi++) {
        const float *add = in + (size_t)ri * cols;
        float *dst = out + (size_t)oi * cols;
        count++;
        float div = (float)count;
        for (int j = 0; j < cols; j++) {
            sums[j] += add[j];
            dst[j] = sums[j] / div;
        }
    }
    for (int k = 0; k < phase3; k++, ri++, li++, oi++) {
        const float *add = in + (size_t)ri * cols;
        const float *sub = in + (size_t)li * cols;
        float *dst = out + (size_t)oi * cols;
        float div = (float)count;
        for (int j = 0; j < cols; j++) {
            float s = sums[j] + add[j];
            s -= sub[j];
            sums[j] = s;
            dst[j] = s / div;
        }
    }
    for (int k = 0; k < phase4; k++, li++, oi++) {
        const float *sub = in + (size_t)li * cols;
        float *dst = out + (size_t)oi * cols;
        count--;
        float div = (float)count;
        for (int j = 0; j < cols; j++) {
            sums[j] -= sub[j];
            dst[j] = sums[j] / div;
        }
    }
}

/* Rows per block in the row pass: the block is transposed so that its rows' running sums
 * advance side by side (independent float chains, vectorised), like the column pass. */
#define ROW_BLOCK 8

/* Box filter along every row of in (rows x cols). Output column pick[c] of each row goes to
 * column c of out (rows x out_cols); pick NULL keeps all columns (out_cols == cols).
 * scratch holds 2 * cols * ROW_BLOCK + ROW_BLOCK floats. */
static void box_along_rows(const float *in, float *out, int rows, int cols, int window,
                           const int *pick, int out_cols, float *scratch)
{
    float *t_in = scratch;
    float *t_out = scratch + (size_t)cols * ROW_BLOCK;
    float *sums = scratch + (size_t)2 * cols * ROW_BLOCK;
    int i = 0;
    for (; i + ROW_BLOCK <= rows; i += ROW_BLOCK) {
        const float *src = in + (size_t)i * cols;
        for (int j = 0; j < cols; j++) {
            for (int r = 0; r < ROW_BLOCK; r++) {
                t_in[j * ROW_BLOCK + r] = src[(size_t)r * cols + j];
            }
        }
        box_along_cols(t_in, t_out, sums, cols, ROW_BLOCK, window);
        float *dst = out + (size_t)i * out_cols;
        for (int c = 0; c < out_cols; c++) {
            int j = pick ? pick[c] : c;
            for (int r = 0; r < ROW_BLOCK; r++) {
                dst[(size_t)r * out_cols + c] = t_out[j * ROW_BLOCK + r];
            }
        }
    }
    for (; i < rows; i++) {
        box_along_row(in + (size_t)i * cols, t_out, cols, window);
        float *dst = out + (size_t)i * out_cols;
        for (int c = 0; c < out_cols; c++) {
            dst[c] = t_out[pick ? pick[c] : c];
        }
    }
}

/* Two Jarosz passes (rows then columns, twice), then sampling of the 64x64 cell centres.
 * Only the 64 sampled columns of the second pass are ever read, so the second row pass keeps
 * just those columns and the second column pass runs on them alone: every kept value still
 * sees exactly the reference's float operations. */
static void blur_and_decimate(float *buf1, float *buf2, float *scratch, int rows, int cols,
                              float out[64][64])
{
    int window_along_rows = window_size(cols);
    int window_along_cols = window_size(rows);
    int pick_rows[64], pick_cols[64];
    for (int o = 0; o < 64; o++) {
        pick_rows[o] = (int)(((o + 0.5) * rows) / 64);
        pick_cols[o] = (int)(((o + 0.5) * cols) / 64);
    }
    box_along_rows(buf1, buf2, rows, cols, window_along_rows, NULL, cols, scratch);
    box_along_cols(buf2, buf1, scratch, rows, cols, window_along_cols);
    /* buf2 is free again: it holds the two rows x 64 working matrices of the second pass. */
    float *narrow1 = buf2, *narrow2 = buf2 + (size_t)rows * 64;
    box_along_rows(buf1, narrow1, rows, cols, window_along_rows, pick_cols, 64, scratch);
    box_along_cols(narrow1, narrow2, scratch, rows, 64, window_along_cols);
    for (int oi = 0; oi < 64; oi++) {
        memcpy(out[oi], narrow2 + (size_t)pick_rows[oi] * 64, 64 * sizeof(float));
    }
}

/* The reference's gradient-count quality heuristic, 0..100. */
static int quality_of(float a[64][64])
{
    int total = 0;
    for (int i = 0; i < 63; i++) {
        for (int j = 0; j < 64; j++) {
            int d = (int)(((a[i][j] - a[i + 1][j]) * 100.0f) / 255.0f);
            total += abs(d);
        }
    }
    for (int i = 0; i < 64; i++) {
        for (int j = 0; j < 63; j++) {
            int d = (int)(((a[i][j] - a[i][j + 1]) * 100.0f) / 255.0f);
            total += abs(d);
        }
    }
    int quality = total / 90;
    return quality > 100 ? 100 : quality;
}

/* Coefficients 1..16 x 1..16 of the 2D DCT, B = (D A) D^T, sums in the reference's order. */
static void dct_64_to_16(float a[64][64], float out[16][16])
{
    float t[16][64];
    for (int i = 0; i < 16; i++) {
        float sums[64];
        for (int j = 0; j < 64; j++) {
            sums[j] = 0.0f;
        }
        /* Same per-element order as the reference (k = 0..63), columns side by side. */
        for (int k = 0; k < 64; k++) {
            float d = dct_matrix[i][k];
            for (int j = 0; j < 64; j++) {
                sums[j] += d * a[k][j];
            }
        }
        memcpy(t[i], sums, sizeof sums);
    }
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            float s = 0.0f;
            for (int k = 0; k < 64; k++) {
                s += t[i][k] * dct_matrix[j][k];
            }
            out[i][j] = s;
        }
    }
}

/* The 128th smallest of 256 values (the lower median), what the reference's Torben gives. */
static float lower_median(const float values[256])
{
    float v[256];
    memcpy(v, values, sizeof v);
    int lo = 0, hi = 255;
    const int k = 127;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) {
                i++;
            }
            while (v[j] > pivot) {
                j--;
            }
            if (i <= j) {
                float tmp = v[i];
                v[i] = v[j];
                v[j] = tmp;
                i++;
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            break;
        }
    }
    return v[k];
}

/* Bits "coefficient > median", as big-endian bytes of the 256-bit integer with bit i*16+j. */
static void bits_of(float c[16][16], uint8_t out[HASH_BYTES])
{
    float median = lower_median(&c[0][0]);
    memset(out, 0, HASH_BYTES);
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            if (c[i][j] > median) {
                int bit = i * 16 + j;
                out[HASH_BYTES - 1 - (bit >> 3)] |= (uint8_t)(1u << (bit & 7));
            }
        }
    }
}

/* The dihedral transform t (pdqhash's order) of the coefficients: a sign pattern and maybe a
 * transposition; see the reference's dct16OriginalTo* functions for the table. */
static void dihedral_of(float a[16][16], int t, float b[16][16])
{
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            float v = a[i][j];
            int negate = 0, transpose = 0;
            switch (t) {
            case 0: break;                                          /* original */
            case 1: negate = !(j & 1); transpose = 1; break;        /* rotate 90 */
            case 2: negate = (i + j) & 1; break;                    /* rotate 180 */
            case 3: negate = !(i & 1); transpose = 1; break;        /* rotate 270 */
            case 4: negate = !(i & 1); break;                       /* flip x */
            case 5: negate = !(j & 1); break;                       /* flip y */
            case 6: transpose = 1; break;                           /* flip +1 */
            default: negate = (i + j) & 1; transpose = 1; break;    /* flip -1 */
            }
            if (negate) {
                v = -v;
            }
            if (transpose) {
                b[j][i] = v;
            } else {
                b[i][j] = v;
            }
        }
    }
}

/* Hash into out (count * 32 bytes: the first `count` dihedral transforms); quality into
 * *quality. Returns 0, or -1 when memory runs out. Runs without the GIL. */
static int compute(const uint8_t *rgb, int width, int height, int count, uint8_t *out,
                   int *quality)
{
    int cols = width, rows = height;
    if (width > REFERENCE_SIDE || height > REFERENCE_SIDE) {
        cols = REFERENCE_SIDE;
        rows = REFERENCE_SIDE;
    }
    memset(out, 0, (size_t)count * HASH_BYTES);
    *quality = 0;
    if (rows < MIN_HASHABLE_SIDE || cols < MIN_HASHABLE_SIDE) {
        return 0;
    }
    size_t n = (size_t)rows * (size_t)cols;
    /* buf2 must also hold two rows x 64 matrices (narrow images); scratch serves both the
     * transposed row blocks and the column pass's running sums. */
    size_t n2 = n > (size_t)rows * 128 ? n : (size_t)rows * 128;
    size_t scratch_len = (size_t)(2 * cols + 1) * ROW_BLOCK;
    if (scratch_len < (size_t)cols) {
        scratch_len = (size_t)cols;
    }
    float *mem = malloc((n + n2 + scratch_len) * sizeof(float));
    if (mem == NULL) {
        return -1;
    }
    float *buf1 = mem, *buf2 = mem + n, *scratch = mem + n + n2;
    float small[64][64];
    float coefs[16][16], turned[16][16];

    fill_luma(rgb, width, height, cols, rows, buf1);
    blur_and_decimate(buf1, buf2, scratch, rows, cols, small);
    free(mem);
    *quality = quality_of(small);
    dct_64_to_16(small, coefs);
    bits_of(coefs, out);
    for (int t = 1; t < count; t++) {
        dihedral_of(coefs, t, turned);
        bits_of(turned, out + (size_t)t * HASH_BYTES);
    }
    return 0;
}

/* Shared argument handling of dihedral() and hash(). */
static PyObject *run(PyObject *args, PyObject *kwargs, int count)
{
    static char *keywords[] = {"rgb", "width", "height", NULL};
    Py_buffer view;
    int width, height, quality = 0, rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*ii", keywords, &view, &width, &height)) {
        return NULL;
    }
    if (width <= 0 || height <= 0) {
        PyBuffer_Release(&view);
        return PyErr_Format(PyExc_ValueError,
                            "width and height must be positive, got %d x %d", width, height);
    }
    if ((int64_t)view.len != (int64_t)width * (int64_t)height * 3) {
        Py_ssize_t got = view.len;
        PyBuffer_Release(&view);
        return PyErr_Format(PyExc_ValueError,
                            "rgb must hold width * height * 3 bytes (%d x %d x 3), got %zd",
                            width, height, got);
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)count * HASH_BYTES);
    if (result == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    rc = compute((const uint8_t *)view.buf, width, height, count, out, &quality);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc != 0) {
        Py_DECREF(result);
        return PyErr_NoMemory();
    }
    return Py_BuildValue("(Ni)", result, quality);
}

static PyObject *pdq_dihedral(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return run(args, kwargs, NUM_DIHEDRAL);
}

static PyObject *pdq_hash(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return run(args, kwargs, 1);
}

static PyMethodDef methods[] = {
    {"dihedral", (PyCFunction)(void (*)(void))pdq_dihedral, METH_VARARGS | METH_KEYWORDS,
     "dihedral(rgb, width, height) -> (bytes, int)\n\n"
     "The eight dihedral PDQ hashes (8 x 32 bytes, pdqhash.compute_dihedral's order) and the\n"
     "quality of row-major 8-bit RGB pixels; ValueError on bad sizes."},
    {"hash", (PyCFunction)(void (*)(void))pdq_hash, METH_VARARGS | METH_KEYWORDS,
     "hash(rgb, width, height) -> (bytes, int)\n\n"
     "The PDQ hash (32 bytes) and quality of row-major 8-bit RGB pixels."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdq", "Bit-exact PDQ hashing of 8-bit RGB pixels.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pdq(void)
{
    if (!tables_ready) {
        init_tables();
    }
    return PyModule_Create(&module);
}
