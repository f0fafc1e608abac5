/* nonlin._kernels: the compiled loops, reachable from Python.
 *
 * families() -> {name: (index, nparams, float32 hooks, float64 hooks)}
 * build([name]) -> which compiled loops are in use: "avx2+fma" where the CPU has them
 *     (and setup.py could compile them), else "baseline"; a name switches (tests).
 * run(index, hook, params, threads, *arrays): runs one loop over contiguous buffers,
 *     without the GIL, on up to `threads` threads of the pool (pool.h). hook is
 *     0 f, 1 f', 2 f'', 3 (f, f', f''), 4 dy * f'; arrays are the inputs (x, and dy
 *     for hook 4) then the outputs, all float32 or all float64, of one length.
 * threads() -> whether run() can use more than one thread (POSIX threads); where it
 *     cannot, the engine's Python threads run shares of one array at once.
 * row_families() -> {name: (index, nparams, float32 hooks, float64 hooks)}: the row
 *     loops (rows.c), hooks flagged as (f, vjp, jvp).
 * run_rows(index, hook, params, threads, x, [v,] y, skipped): a row loop (hook 0 f,
 *     1 vjp, 2 jvp) over float32 or float64 arrays of one shape, rows along the last
 *     axis, shared out by rows; skipped (uint8, one per row) flags the rows left to
 *     the Python path, and run_rows returns how many there are.
 * unit_families() -> {name: index}: the loops of activations with a learned value per
 *     unit (units.c); run_units(index, hook, threads, a, outer, units, inner, *arrays)
 *     runs one over float32 or float64 arrays seen as (outer, units, inner), a holding
 *     the family's float64 values per unit, one row of units each (hook 4: v * f', the
 *     inputs x and v).
 * run_chain(stages, hook, threads, *arrays): a chain of elementwise families
 *     (chain.h), stages a tuple of (index, params); hook 0 f, 1 f', 2 f'', 3 (f, f',
 *     f''), 4 vjp, 5 jvp; the inputs (x, and v for 4 and 5) of one dtype, the outputs
 *     of one dtype (float32 or float64, either way round), all of one length.
 *
 * Arrays come through the buffer protocol (no NumPy headers at build time); the
 * Python side (nonlin/kernels.py) checks dtypes and shapes before it calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define NL_MODULE
#include "nonlin_kernels.h"
#include "pool.h"
#include "chain.h"

#define NL_DECLARE_BASE(table) extern const nl_family table##_base[];
#define NL_LIST_BASE(table) table##_base,
NL_TABLES(NL_DECLARE_BASE)
static const nl_family *const nl_base_sources[] = {NL_TABLES(NL_LIST_BASE)};
#define NL_SOURCES (sizeof(nl_base_sources) / sizeof(nl_base_sources[0]))
extern const nl_row_family nl_row_families_base[];
extern const nl_unit_family nl_unit_families_base[];

#ifdef NL_HAVE_V3 /* setup.py compiled the family files for AVX2 + FMA as well */
#define NL_DECLARE_V3(table) extern const nl_family table##_v3[];
#define NL_LIST_V3(table) table##_v3,
NL_TABLES(NL_DECLARE_V3)
static const nl_family *const nl_v3_sources[] = {NL_TABLES(NL_LIST_V3)};
extern const nl_row_family nl_row_families_v3[];
extern const nl_unit_family nl_unit_families_v3[];
#endif

#define NL_MAX_FAMILIES 64
static const nl_family *nl_table[NL_MAX_FAMILIES];
static int nl_count = 0;
static const nl_row_family *nl_rows_table = nl_row_families_base;
static int nl_rows_count = 0;
static const nl_unit_family *nl_units_table = nl_unit_families_base;
static int nl_units_count = 0;
static const char *nl_build_name = "baseline";

static int nl_cpu_has_v3(void) {
#if defined(NL_HAVE_V3) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* Fill the table from one build's sources (the same families, in the same order). */
static void nl_collect(int v3) {
    const nl_family *const *sources = nl_base_sources;
    nl_rows_table = nl_row_families_base;
    nl_units_table = nl_unit_families_base;
    nl_build_name = "baseline";
#ifdef NL_HAVE_V3
    if (v3) {
        sources = nl_v3_sources;
        nl_rows_table = nl_row_families_v3;
        nl_units_table = nl_unit_families_v3;
        nl_build_name = "avx2+fma";
    }
#else
    (void)v3;
#endif
    nl_count = 0;
    for (size_t s = 0; s < NL_SOURCES; s++)
        for (const nl_family *f = sources[s]; f->name != NULL; f++)
            if (nl_count < NL_MAX_FAMILIES) nl_table[nl_count++] = f;
    for (nl_rows_count = 0; nl_rows_table[nl_rows_count].name != NULL; nl_rows_count++) {}
    for (nl_units_count = 0; nl_units_table[nl_units_count].name != NULL; nl_units_count++) {}
}

static PyObject *nl_build(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "build([name])");
        return NULL;
    }
    if (nargs == 1) {
        const char *name = PyUnicode_AsUTF8(args[0]);
        if (name == NULL) return NULL;
        if (strcmp(name, "baseline") == 0) {
            nl_collect(0);
        } else if (strcmp(name, "avx2+fma") == 0 && nl_cpu_has_v3()) {
            nl_collect(1);
        } else {
            PyErr_Format(PyExc_ValueError, "no build %R here (%s is in use)", args[0],
                         nl_build_name);
            return NULL;
        }
    }
    return PyUnicode_FromString(nl_build_name);
}

/* Py_True where a loop is compiled (a borrowed reference, for Py_BuildValue's "O"). */
static PyObject *nl_flag(const void *loop) { return loop != NULL ? Py_True : Py_False; }

static PyObject *nl_hooks(const nl_loops *loops) {
    const void *present[5] = {(const void *)loops->f, (const void *)loops->df,
                              (const void *)loops->d2f, (const void *)loops->derivatives,
                              (const void *)loops->vjp};
    PyObject *hooks = PyTuple_New(5);
    if (hooks == NULL) return NULL;
    for (int h = 0; h < 5; h++) {
        PyObject *flag = nl_flag(present[h]);
        Py_INCREF(flag);
        PyTuple_SET_ITEM(hooks, h, flag);
    }
    return hooks;
}

static PyObject *nl_families(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    PyObject *table = PyDict_New();
    if (table == NULL) return NULL;
    for (int i = 0; i < nl_count; i++) {
        const nl_family *f = nl_table[i];
        PyObject *f32 = nl_hooks(&f->float32), *f64 = nl_hooks(&f->float64);
        PyObject *entry = (f32 && f64) ? Py_BuildValue("(iiOO)", i, f->nparams, f32, f64) : NULL;
        Py_XDECREF(f32);
        Py_XDECREF(f64);
        if (entry == NULL || PyDict_SetItemString(table, f->name, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(table);
            return NULL;
        }
        Py_DECREF(entry);
    }
    return table;
}

/* One call of run(): a loop and its arrays, which the pool's threads take shares of. */
typedef struct {
    const nl_loops *loops;
    int hook;
    nl_params params;
    char *base[4];
    Py_ssize_t itemsize;
} nl_job;

static void nl_run_share(const void *job_, ptrdiff_t start, ptrdiff_t stop) {
    const nl_job *job = job_;
    void *p[4];
    for (int a = 0; a < 4; a++)
        p[a] = job->base[a] != NULL ? job->base[a] + start * job->itemsize : NULL;
    ptrdiff_t n = stop - start;
    const nl_loops *loops = job->loops;
    switch (job->hook) {
    case 0: loops->f(p[0], p[1], n, &job->params); break;
    case 1: loops->df(p[0], p[1], n, &job->params); break;
    case 2: loops->d2f(p[0], p[1], n, &job->params); break;
    case 3: loops->derivatives(p[0], p[1], p[2], p[3], n, &job->params); break;
    default: loops->vjp(p[0], p[1], p[2], n, &job->params); break;
    }
}

static PyObject *nl_threads(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyBool_FromLong(nl_pool_available());
}

static PyObject *nl_run(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs < 5) {
        PyErr_SetString(PyExc_TypeError, "run(index, hook, params, threads, *arrays)");
        return NULL;
    }
    long index = PyLong_AsLong(args[0]);
    long hook = PyLong_AsLong(args[1]);
    long threads = PyLong_AsLong(args[3]);
    if (PyErr_Occurred()) return NULL;
    if (threads < 1) {
        PyErr_SetString(PyExc_ValueError, "threads must be at least 1");
        return NULL;
    }
    if (index < 0 || index >= nl_count || hook < 0 || hook > 4) {
        PyErr_SetString(PyExc_ValueError, "no such kernel");
        return NULL;
    }
    const nl_family *family = nl_table[index];
    Py_ssize_t want = hook == 3 ? 4 : (hook == 4 ? 3 : 2);
    if (nargs - 4 != want) {
        PyErr_Format(PyExc_TypeError, "this hook takes %zd arrays", want);
        return NULL;
    }
    nl_params params = {{0.0, 0.0, 0.0, 0.0}};
    PyObject *given = args[2];
    if (!PyTuple_Check(given) || PyTuple_GET_SIZE(given) != family->nparams) {
        PyErr_Format(PyExc_TypeError, "%s takes a tuple of %d parameters", family->name,
                     family->nparams);
        return NULL;
    }
    for (int p = 0; p < family->nparams; p++) {
        params.p[p] = PyFloat_AsDouble(PyTuple_GET_ITEM(given, p));
        if (PyErr_Occurred()) return NULL;
    }

    Py_buffer views[4];
    Py_ssize_t held = 0, length = -1;
    char kind = 0;
    int failed = 0;
    for (Py_ssize_t a = 0; a < want; a++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (a >= want - (hook == 3 ? 3 : 1)
                                                             ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[4 + a], &views[a], flags) < 0) { failed = 1; break; }
        held++;
        const char *format = views[a].format;
        char k = (format != NULL && format[0] != '\0' && format[1] == '\0') ? format[0] : 0;
        Py_ssize_t items = views[a].itemsize > 0 ? views[a].len / views[a].itemsize : -1;
        if ((k != 'f' && k != 'd') || (kind && k != kind) || (length >= 0 && items != length)) {
            PyErr_SetString(PyExc_TypeError,
                            "kernel arrays must be contiguous float32 or float64 of one length");
            failed = 1;
            break;
        }
        kind = k;
        length = items;
    }
    const nl_loops *loops = kind == 'f' ? &family->float32 : &family->float64;
    const void *loop = NULL;
    if (!failed) {
        loop = hook == 0 ? (const void *)loops->f : hook == 1 ? (const void *)loops->df
             : hook == 2 ? (const void *)loops->d2f : hook == 3 ? (const void *)loops->derivatives
             : (const void *)loops->vjp;
        if (loop == NULL) {
            PyErr_Format(PyExc_ValueError, "%s has no %s loop for this hook", family->name,
                         kind == 'f' ? "float32" : "float64");
            failed = 1;
        }
    }
    if (!failed && length > 0) {
        nl_job job = {loops, (int)hook, params, {NULL, NULL, NULL, NULL}, views[0].itemsize};
        for (Py_ssize_t a = 0; a < want; a++) job.base[a] = views[a].buf;
        Py_BEGIN_ALLOW_THREADS
        nl_pool_run(nl_run_share, &job, length,
                    (int)(threads < NL_MAX_THREADS ? threads : NL_MAX_THREADS), NL_SHARE_ALIGN);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t a = 0; a < held; a++) PyBuffer_Release(&views[a]);
    if (failed) return NULL;
    Py_RETURN_NONE;
}

static PyObject *nl_row_families(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    PyObject *table = PyDict_New();
    if (table == NULL) return NULL;
    for (int i = 0; i < nl_rows_count; i++) {
        const nl_row_loops *f32 = &nl_rows_table[i].float32;
        const nl_row_loops64 *f64 = &nl_rows_table[i].float64;
        PyObject *entry = Py_BuildValue(
            "(ii(OOO)(OOO))", i, nl_rows_table[i].nparams, nl_flag(f32->f), nl_flag(f32->vjp),
            nl_flag(f32->jvp), nl_flag(f64->f), nl_flag(f64->vjp), nl_flag(f64->jvp));
        if (entry == NULL || PyDict_SetItemString(table, nl_rows_table[i].name, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(table);
            return NULL;
        }
        Py_DECREF(entry);
    }
    return table;
}

/* One call of run_rows(): the pool's threads take shares of its rows. */
typedef struct {
    nl_rows loop;     /* float32, or */
    nl_rows64 loop64; /* float64 */
    const char *x, *v;
    char *y;
    unsigned char *skipped;
    ptrdiff_t width, v_width, y_width, itemsize; /* x's rows, v's and y's (glu halves) */
    nl_params params;
} nl_row_job;

static void nl_row_share(const void *job_, ptrdiff_t start, ptrdiff_t stop) {
    const nl_row_job *job = job_;
    double *scratch = malloc(2 * (size_t)job->width * sizeof(double));
    if (scratch == NULL) { /* the Python path computes whatever is not done here */
        memset(job->skipped + start, 1, (size_t)(stop - start));
        return;
    }
    ptrdiff_t at = start * job->itemsize;
    const void *x = job->x + at * job->width;
    const void *v = job->v != NULL ? job->v + at * job->v_width : NULL;
    void *y = job->y + at * job->y_width;
    if (job->loop != NULL)
        job->loop(x, v, y, stop - start, job->width, job->skipped + start, scratch,
                  &job->params);
    else
        job->loop64(x, v, y, stop - start, job->width, job->skipped + start, scratch,
                    &job->params);
    free(scratch);
}

/* run_rows(index, hook, params, threads, x, [v,] y, skipped): hook 0 f, 1 vjp, 2 jvp;
 * x, v, y C-contiguous float32 or float64 arrays of one shape, rows along the last
 * axis (for a family that halves rows, glu, the rows of f and jvp's y and of a vjp's v
 * are half as wide as x's); skipped a uint8 array of one byte per row, zero on
 * entry. */
static PyObject *nl_run_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs < 7) {
        PyErr_SetString(PyExc_TypeError,
                        "run_rows(index, hook, params, threads, x, [v,] y, skipped)");
        return NULL;
    }
    long index = PyLong_AsLong(args[0]);
    long hook = PyLong_AsLong(args[1]);
    long threads = PyLong_AsLong(args[3]);
    if (PyErr_Occurred()) return NULL;
    if (index < 0 || index >= nl_rows_count || hook < 0 || hook > 2 || threads < 1) {
        PyErr_SetString(PyExc_ValueError, "no such row kernel, or threads below 1");
        return NULL;
    }
    nl_params params = {{0.0, 0.0, 0.0, 0.0}};
    PyObject *given = args[2];
    int nparams = nl_rows_table[index].nparams;
    if (!PyTuple_Check(given) || PyTuple_GET_SIZE(given) != nparams) {
        PyErr_Format(PyExc_TypeError, "%s takes a tuple of %d parameters",
                     nl_rows_table[index].name, nparams);
        return NULL;
    }
    for (int p = 0; p < nparams; p++) {
        params.p[p] = PyFloat_AsDouble(PyTuple_GET_ITEM(given, p));
        if (PyErr_Occurred()) return NULL;
    }
    Py_ssize_t want = hook == 0 ? 3 : 4; /* x, [v,] y, skipped */
    if (nargs - 4 != want) {
        PyErr_Format(PyExc_TypeError, "this hook takes %zd arrays", want);
        return NULL;
    }
    Py_buffer views[4];
    Py_ssize_t held = 0, width = -1, rows = -1, widths[3] = {-1, -1, -1};
    char kind = 0;
    int failed = 0, halves = nl_rows_table[index].halves;
    for (Py_ssize_t a = 0; a < want && !failed; a++) {
        int last = a == want - 1, output = a >= want - 2;
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (output ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[4 + a], &views[a], flags) < 0) { failed = 1; break; }
        held++;
        const char *format = views[a].format;
        char k = (format != NULL && format[0] != '\0' && format[1] == '\0') ? format[0] : 0;
        if (last) {
            if (k != 'B' || views[a].len != rows) {
                PyErr_SetString(PyExc_TypeError, "skipped must be uint8, one per row");
                failed = 1;
            }
            break;
        }
        Py_ssize_t w = views[a].ndim > 0 ? views[a].shape[views[a].ndim - 1] : -1;
        Py_ssize_t items = views[a].itemsize > 0 ? views[a].len / views[a].itemsize : -1;
        if (a == 0) {
            width = w;
            rows = w > 0 ? items / w : -1;
        }
        /* the rows' width this array must have: x's, or half of it (glu) */
        int half = halves && (a == 0 ? 0 : (hook == 1 ? a == 1 : output));
        Py_ssize_t expected = half ? width / 2 : width;
        if ((k != 'f' && k != 'd') || (kind && k != kind) || views[a].ndim < 1 || w <= 0 ||
            (halves && width % 2) || w != expected || items != rows * w) {
            PyErr_SetString(PyExc_TypeError,
                            halves ? "row kernel arrays must be contiguous float32 or float64 "
                                     "rows, of x's width or half of it as the hook has them"
                                   : "row kernel arrays must be contiguous float32 or float64 "
                                     "of one shape");
            failed = 1;
            break;
        }
        kind = k;
        widths[a] = w;
    }
    nl_rows loop = NULL;
    nl_rows64 loop64 = NULL;
    if (!failed) {
        const nl_row_loops *f32 = &nl_rows_table[index].float32;
        const nl_row_loops64 *f64 = &nl_rows_table[index].float64;
        if (kind == 'f')
            loop = hook == 0 ? f32->f : hook == 1 ? f32->vjp : f32->jvp;
        else
            loop64 = hook == 0 ? f64->f : hook == 1 ? f64->vjp : f64->jvp;
        if (loop == NULL && loop64 == NULL) {
            PyErr_SetString(PyExc_ValueError, "no row loop for this hook and dtype");
            failed = 1;
        }
    }
    if (!failed && rows > 0) {
        int v = hook != 0;
        nl_row_job job = {loop,
                          loop64,
                          views[0].buf,
                          v ? views[1].buf : NULL,
                          views[v ? 2 : 1].buf,
                          (unsigned char *)views[want - 1].buf,
                          width,
                          v ? widths[1] : 0,
                          widths[v ? 2 : 1],
                          kind == 'f' ? 4 : 8,
                          params};
        ptrdiff_t align = width >= NL_SHARE_ALIGN ? 1 : NL_SHARE_ALIGN / width;
        Py_BEGIN_ALLOW_THREADS
        nl_pool_run(nl_row_share, &job, rows,
                    (int)(threads < NL_MAX_THREADS ? threads : NL_MAX_THREADS), align);
        Py_END_ALLOW_THREADS
    }
    Py_ssize_t left = 0; /* the rows left to the Python path */
    if (!failed)
        for (Py_ssize_t r = 0; r < views[want - 1].len; r++)
            left += ((unsigned char *)views[want - 1].buf)[r] != 0;
    for (Py_ssize_t a = 0; a < held; a++) PyBuffer_Release(&views[a]);
    if (failed) return NULL;
    return PyLong_FromSsize_t(left);
}

/* A tuple of (index, params) pairs into the job's stages; -1 and an exception where
 * one is malformed or lacks the loops `hook` needs. */
static int nl_chain_stages(PyObject *given, nl_chain_job *job) {
    if (!PyTuple_Check(given) || PyTuple_GET_SIZE(given) < 1 ||
        PyTuple_GET_SIZE(given) > NL_CHAIN_MAX) {
        PyErr_Format(PyExc_TypeError, "stages must be a tuple of 1 to %d (index, params)",
                     NL_CHAIN_MAX);
        return -1;
    }
    job->stages = (int)PyTuple_GET_SIZE(given);
    for (int s = 0; s < job->stages; s++) {
        PyObject *pair = PyTuple_GET_ITEM(given, s), *values = NULL;
        long index = -1;
        if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2) {
            index = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0));
            values = PyTuple_GET_ITEM(pair, 1);
        }
        if (PyErr_Occurred()) return -1;
        if (index < 0 || index >= nl_count || !PyTuple_Check(values) ||
            PyTuple_GET_SIZE(values) != nl_table[index]->nparams) {
            PyErr_Format(PyExc_ValueError, "stage %d is not an (index, params) of a family", s);
            return -1;
        }
        const nl_family *family = nl_table[index];
        if (!nl_chain_has(&family->float64, job->hook)) {
            PyErr_Format(PyExc_ValueError, "%s has no float64 loops for this hook",
                         family->name);
            return -1;
        }
        job->stage[s].loops = &family->float64;
        memset(&job->stage[s].params, 0, sizeof(nl_params));
        for (int p = 0; p < family->nparams; p++) {
            job->stage[s].params.p[p] = PyFloat_AsDouble(PyTuple_GET_ITEM(values, p));
            if (PyErr_Occurred()) return -1;
        }
    }
    return 0;
}

static PyObject *nl_run_chain(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs < 5) {
        PyErr_SetString(PyExc_TypeError, "run_chain(stages, hook, threads, *arrays)");
        return NULL;
    }
    nl_chain_job job;
    memset(&job, 0, sizeof(job));
    long hook = PyLong_AsLong(args[1]);
    long threads = PyLong_AsLong(args[2]);
    if (PyErr_Occurred()) return NULL;
    if (hook < NL_CHAIN_F || hook > NL_CHAIN_JVP || threads < 1) {
        PyErr_SetString(PyExc_ValueError, "no such chain hook, or threads below 1");
        return NULL;
    }
    job.hook = (int)hook;
    if (nl_chain_stages(args[0], &job) < 0) return NULL;
    Py_ssize_t inputs = hook >= NL_CHAIN_VJP ? 2 : 1;
    Py_ssize_t want = inputs + (hook == NL_CHAIN_DERIVATIVES ? 3 : 1);
    if (nargs - 3 != want) {
        PyErr_Format(PyExc_TypeError, "this hook takes %zd arrays", want);
        return NULL;
    }
    Py_buffer views[5];
    Py_ssize_t held = 0, length = -1;
    char kinds[2] = {0, 0}; /* the inputs', the outputs' */
    int failed = 0;
    for (Py_ssize_t a = 0; a < want; a++) {
        int output = a >= inputs;
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (output ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[3 + a], &views[a], flags) < 0) { failed = 1; break; }
        held++;
        const char *format = views[a].format;
        char k = (format != NULL && format[0] != '\0' && format[1] == '\0') ? format[0] : 0;
        Py_ssize_t items = views[a].itemsize > 0 ? views[a].len / views[a].itemsize : -1;
        if ((k != 'f' && k != 'd') || (kinds[output] && k != kinds[output]) ||
            (length >= 0 && items != length)) {
            PyErr_SetString(PyExc_TypeError,
                            "chain arrays must be contiguous float32 or float64 of one length");
            failed = 1;
            break;
        }
        kinds[output] = k;
        length = items;
    }
    if (!failed && length > 0) {
        job.x = views[0].buf;
        job.v = inputs == 2 ? views[1].buf : NULL;
        for (Py_ssize_t a = inputs; a < want; a++) job.out[a - inputs] = views[a].buf;
        job.in_double = kinds[0] == 'd';
        job.out_double = kinds[1] == 'd';
        Py_BEGIN_ALLOW_THREADS
        nl_pool_run(nl_chain_share, &job, length,
                    (int)(threads < NL_MAX_THREADS ? threads : NL_MAX_THREADS), NL_SHARE_ALIGN);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t a = 0; a < held; a++) PyBuffer_Release(&views[a]);
    if (failed) return NULL;
    Py_RETURN_NONE;
}

static PyObject *nl_unit_families(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    PyObject *table = PyDict_New();
    if (table == NULL) return NULL;
    for (int i = 0; i < nl_units_count; i++) {
        PyObject *index = PyLong_FromLong(i);
        if (index == NULL || PyDict_SetItemString(table, nl_units_table[i].name, index) < 0) {
            Py_XDECREF(index);
            Py_DECREF(table);
            return NULL;
        }
        Py_DECREF(index);
    }
    return table;
}

/* One call of run_units(): value i of the arrays is at (i / inner / units, unit
 * (i / inner) % units, i % inner) and takes a[unit] (and b[unit]). */
typedef struct {
    nl_unit_loop loop;
    const char *x, *v;
    char *y[3];
    ptrdiff_t itemsize, units, inner;
    const double *a, *b; /* b is a where the family has one value per unit */
} nl_unit_job;

#define NL_UNIT_RUN 256 /* values per loop call where a run needs a buffer of a */

static void nl_unit_share(const void *job_, ptrdiff_t start, ptrdiff_t stop) {
    const nl_unit_job *job = job_;
    const ptrdiff_t units = job->units, inner = job->inner, size = job->itemsize;
    double a_run[NL_UNIT_RUN], b_run[NL_UNIT_RUN];
    /* Units along the last axis (inner 1): a run follows a along a row; a short row's
     * values are repeated through the buffers, so that a run may cross rows. Otherwise
     * a run stays within one unit, the buffers holding its values. */
    ptrdiff_t period = 0;
    if (inner == 1 && units <= NL_UNIT_RUN / 2) {
        period = units * (NL_UNIT_RUN / units);
        for (ptrdiff_t j = 0; j < period; j++) {
            a_run[j] = job->a[j % units];
            b_run[j] = job->b[j % units];
        }
    }
    ptrdiff_t filled = -1; /* the unit the buffers hold (inner > 1) */
    for (ptrdiff_t i = start; i < stop;) {
        ptrdiff_t unit = (i / inner) % units, n;
        const double *a, *b;
        if (inner == 1 && period) {
            a = a_run + unit;
            b = b_run + unit;
            n = period - unit;
        } else if (inner == 1) {
            a = job->a + unit;
            b = job->b + unit;
            n = units - unit;
        } else {
            if (unit != filled) {
                for (ptrdiff_t j = 0; j < NL_UNIT_RUN; j++) {
                    a_run[j] = job->a[unit];
                    b_run[j] = job->b[unit];
                }
                filled = unit;
            }
            a = a_run;
            b = b_run;
            n = inner - i % inner;
            if (n > NL_UNIT_RUN) n = NL_UNIT_RUN;
        }
        if (n > stop - i) n = stop - i;
        ptrdiff_t at = i * size;
        job->loop(job->x + at, job->v != NULL ? job->v + at : NULL, job->y[0] + at,
                  job->y[1] != NULL ? job->y[1] + at : NULL,
                  job->y[2] != NULL ? job->y[2] + at : NULL, n, a, b);
        i += n;
    }
}

static PyObject *nl_run_units(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs < 9) {
        PyErr_SetString(PyExc_TypeError,
                        "run_units(index, hook, threads, a, outer, units, inner, *arrays)");
        return NULL;
    }
    long index = PyLong_AsLong(args[0]);
    long hook = PyLong_AsLong(args[1]);
    long threads = PyLong_AsLong(args[2]);
    Py_ssize_t outer = PyLong_AsSsize_t(args[4]);
    Py_ssize_t units = PyLong_AsSsize_t(args[5]);
    Py_ssize_t inner = PyLong_AsSsize_t(args[6]);
    if (PyErr_Occurred()) return NULL;
    if (index < 0 || index >= nl_units_count || hook < 0 || hook > 4 || threads < 1 ||
        outer < 0 || units < 1 || inner < 1) {
        PyErr_SetString(PyExc_ValueError, "no such unit kernel, or a bad layout");
        return NULL;
    }
    Py_ssize_t inputs = hook == 4 ? 2 : 1;
    Py_ssize_t want = inputs + (hook == 3 ? 3 : 1);
    if (nargs - 7 != want) {
        PyErr_Format(PyExc_TypeError, "this hook takes %zd arrays", want);
        return NULL;
    }
    Py_buffer given, views[5];
    if (PyObject_GetBuffer(args[3], &given, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    const nl_unit_family *family = &nl_units_table[index];
    int failed = given.format == NULL || strcmp(given.format, "d") != 0 ||
                 given.len != family->values * units * (Py_ssize_t)sizeof(double);
    if (failed)
        PyErr_Format(PyExc_TypeError,
                     "a must be contiguous float64, %d value(s) per unit (one row each)",
                     family->values);
    Py_ssize_t held = 0, length = outer * units * inner;
    char kind = 0;
    for (Py_ssize_t a = 0; a < want && !failed; a++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (a >= inputs ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[7 + a], &views[a], flags) < 0) { failed = 1; break; }
        held++;
        const char *format = views[a].format;
        char k = (format != NULL && format[0] != '\0' && format[1] == '\0') ? format[0] : 0;
        Py_ssize_t items = views[a].itemsize > 0 ? views[a].len / views[a].itemsize : -1;
        if ((k != 'f' && k != 'd') || (kind && k != kind) || items != length) {
            PyErr_SetString(PyExc_TypeError, "unit kernel arrays must be contiguous float32 "
                                             "or float64 of outer * units * inner values");
            failed = 1;
        }
        kind = k;
    }
    if (!failed && length > 0) {
        const double *a = given.buf, *b = family->values == 2 ? a + units : a;
        nl_unit_job job = {kind == 'f' ? family->float32[hook] : family->float64[hook],
                           views[0].buf, inputs == 2 ? views[1].buf : NULL,
                           {views[inputs].buf, hook == 3 ? views[inputs + 1].buf : NULL,
                            hook == 3 ? views[inputs + 2].buf : NULL},
                           kind == 'f' ? 4 : 8, units, inner, a, b};
        Py_BEGIN_ALLOW_THREADS
        nl_pool_run(nl_unit_share, &job, length,
                    (int)(threads < NL_MAX_THREADS ? threads : NL_MAX_THREADS), NL_SHARE_ALIGN);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t a = 0; a < held; a++) PyBuffer_Release(&views[a]);
    PyBuffer_Release(&given);
    if (failed) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef nl_methods[] = {
    {"families", (PyCFunction)nl_families, METH_NOARGS,
     "families() -> {name: (index, nparams, float32 hooks, float64 hooks)}"},
    {"build", (PyCFunction)(void (*)(void))nl_build, METH_FASTCALL,
     "build([name]) -> the loops in use, 'avx2+fma' or 'baseline'; with a name, switch"},
    {"run", (PyCFunction)(void (*)(void))nl_run, METH_FASTCALL,
     "run(index, hook, params, threads, *arrays): one compiled loop over contiguous "
     "arrays, on up to `threads` threads"},
    {"row_families", (PyCFunction)nl_row_families, METH_NOARGS,
     "row_families() -> {name: (index, nparams, float32 (f, vjp, jvp), float64 (...))}"},
    {"run_rows", (PyCFunction)(void (*)(void))nl_run_rows, METH_FASTCALL,
     "run_rows(index, hook, params, threads, x, [v,] y, skipped) -> rows left: a row loop"},
    {"unit_families", (PyCFunction)nl_unit_families, METH_NOARGS,
     "unit_families() -> {name: index}: activations with a learned value per unit"},
    {"run_units", (PyCFunction)(void (*)(void))nl_run_units, METH_FASTCALL,
     "run_units(index, hook, threads, a, outer, units, inner, *arrays): a unit loop"},
    {"run_chain", (PyCFunction)(void (*)(void))nl_run_chain, METH_FASTCALL,
     "run_chain(stages, hook, threads, *arrays): a chain of elementwise loops, a block "
     "at a time"},
    {"threads", (PyCFunction)nl_threads, METH_NOARGS,
     "threads() -> whether run() can use more than one thread"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef nl_module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "nonlin's compiled activation loops (see nonlin.kernels).", -1, nl_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    nl_collect(nl_cpu_has_v3());
    nl_pool_init();
    return PyModule_Create(&nl_module);
}
