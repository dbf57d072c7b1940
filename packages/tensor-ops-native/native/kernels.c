// N-API binding: convolution and matrix-product kernels for tfjs's pure-JS cpu backend, on the
// system OpenBLAS (sgemm, threaded over the machine's cores). Every function works in place on
// caller-owned Float32Arrays (the backend's own buffers) and allocates only scratch space.
//
// Layouts are tfjs's: images NHWC, filters [kh, kw, in, out]. A convolution is a matrix product
// over "columns": row r of the column matrix holds, for output pixel r = (b, oh, ow), the input
// patch in [kh][kw][in] order, which is exactly the row order of the filter seen as a
// [kh*kw*in, out] matrix. Long products are cut into slabs of output rows so the column buffer
// stays a few megabytes whatever the batch.
//
//   conv2d(x, filter, y, geometry)             y  = columns(x) . filter
//   conv2dBackpropInput(dy, filter, dx, g)     dx = scatter(dy . filter^T)
//   conv2dBackpropFilter(x, dy, dfilter, g)    dW = columns(x)^T . dy
//   matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB)
//
// geometry: Int32Array [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW,
//                       dilationH, dilationW, padTop, padLeft]
#include <node_api.h>
#include <omp.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked-size.h"

#define COLUMN_BUFFER_FLOATS (1u << 21)  // 8 MiB of scratch per slab
// Element-wise work below this many values stays on one thread (waking the others costs more).
#define PARALLEL_MIN_VALUES (1u << 15)

typedef struct {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c;
  int64_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  // Sizes derived from the above, checked when the geometry is read.
  int64_t image, output, filter;
} geometry;

typedef struct {
  float *data;
  size_t length;
} floats;

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error((env), NULL, "N-API call failed");  \
      return NULL;                                         \
    }                                                      \
  } while (0)

static int get_floats(napi_env env, napi_value value, const char *name, floats *out) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) goto wrong;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok) goto wrong;
  if (type != napi_float32_array) goto wrong;
  out->data = (float *)data;
  out->length = length;
  return 1;
wrong: {
  char message[128];
  snprintf(message, sizeof message, "%s must be a Float32Array", name);
  napi_throw_type_error(env, NULL, message);
  return 0;
}
}

static int get_geometry(napi_env env, napi_value value, geometry *g) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (!is_typed || napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || length != 15) {
    napi_throw_type_error(env, NULL, "geometry must be an Int32Array of 15 values");
    return 0;
  }
  const int32_t *v = (const int32_t *)data;
  for (int i = 0; i < 15; i++) {
    if (v[i] < 0 || (i < 13 && v[i] == 0)) {
      napi_throw_range_error(env, NULL, "geometry values must be positive (paddings non-negative)");
      return 0;
    }
  }
  *g = (geometry){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                  v[8], v[9], v[10], v[11], v[12], v[13], v[14], 0, 0, 0};
  // The buffers' sizes, and the dimensions of every product a kernel hands to BLAS (the forward
  // and filter products, and the input gradient computed as a turned convolution).
  int64_t unused;
  return PRODUCT_OF(env, "the image (batch x inH x inW x inC)", MAX_FLOATS, &g->image, g->batch, g->in_h,
                    g->in_w, g->in_c) &&
         PRODUCT_OF(env, "the output (batch x outH x outW x outC)", MAX_FLOATS, &g->output, g->batch,
                    g->out_h, g->out_w, g->out_c) &&
         PRODUCT_OF(env, "the filter (kH x kW x inC x outC)", MAX_FLOATS, &g->filter, g->k_h, g->k_w,
                    g->in_c, g->out_c) &&
         PRODUCT_OF(env, "output rows (batch x outH x outW)", INT_MAX, &unused, g->batch, g->out_h,
                    g->out_w) &&
         PRODUCT_OF(env, "input rows (batch x inH x inW)", INT_MAX, &unused, g->batch, g->in_h, g->in_w) &&
         PRODUCT_OF(env, "a patch (kH x kW x inC)", INT_MAX, &unused, g->k_h, g->k_w, g->in_c) &&
         PRODUCT_OF(env, "a turned patch (kH x kW x outC)", INT_MAX, &unused, g->k_h, g->k_w, g->out_c);
}

static int check_length(napi_env env, const floats *f, size_t want, const char *name) {
  if (f->length == want) return 1;
  char message[160];
  snprintf(message, sizeof message, "%s has %zu values, expected %zu", name, f->length, want);
  napi_throw_range_error(env, NULL, message);
  return 0;
}


enum extent { IMAGE, FILTER, OUTPUT };

// The four arguments of the convolution entry points: three Float32Arrays named `names`, whose
// sizes must be those `extents` give for the geometry, then the geometry. 0 after throwing.
static int get_conv_arguments(napi_env env, napi_callback_info info, const char *const names[3],
                              const enum extent extents[3], floats arrays[3], geometry *g) {
  size_t argc = 4;
  napi_value args[4];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "expected three Float32Arrays and a geometry");
    return 0;
  }
  for (int i = 0; i < 3; i++)
    if (!get_floats(env, args[i], names[i], &arrays[i])) return 0;
  if (!get_geometry(env, args[3], g)) return 0;
  for (int i = 0; i < 3; i++) {
    const size_t want = (size_t)(extents[i] == IMAGE ? g->image : extents[i] == FILTER ? g->filter : g->output);
    if (!check_length(env, &arrays[i], want, names[i])) return 0;
  }
  return 1;
}

// A 1x1 convolution with stride 1 and no padding reads its input as the column matrix itself.
static int is_pointwise(const geometry *g) {
  return g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
         g->pad_left == 0 && g->in_h == g->out_h && g->in_w == g->out_w;
}

// Output rows per slab: as many as fit the column buffer, at least one.
static int64_t slab_rows(const geometry *g) {
  int64_t k = g->k_h * g->k_w * g->in_c;
  int64_t rows = (int64_t)COLUMN_BUFFER_FLOATS / k;
  return rows < 1 ? 1 : rows;
}

// Columns of output rows [first, first + rows): zero where the patch hangs over the border.
static void gather_columns(const geometry *g, const float *x, int64_t first, int64_t rows, float *col) {
  const int64_t pixels = g->out_h * g->out_w;
  const size_t patch = (size_t)g->in_c * sizeof(float);
#pragma omp parallel for schedule(static) if (rows * g->k_h * g->k_w * g->in_c > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t row = first + r;
    const int64_t b = row / pixels, oh = (row % pixels) / g->out_w, ow = row % g->out_w;
    float *dst = col + r * g->k_h * g->k_w * g->in_c;
    for (int64_t kh = 0; kh < g->k_h; kh++) {
      const int64_t ih = oh * g->stride_h + kh * g->dilation_h - g->pad_top;
      for (int64_t kw = 0; kw < g->k_w; kw++, dst += g->in_c) {
        const int64_t iw = ow * g->stride_w + kw * g->dilation_w - g->pad_left;
        if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w) {
          memset(dst, 0, patch);
        } else {
          memcpy(dst, x + ((b * g->in_h + ih) * g->in_w + iw) * g->in_c, patch);
        }
      }
    }
  }
}

// The adjoint of gather_columns: adds each column entry back onto the input pixel it came from.
static void scatter_columns(const geometry *g, const float *col, int64_t first, int64_t rows, float *dx) {
  const int64_t pixels = g->out_h * g->out_w;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t row = first + r;
    const int64_t b = row / pixels, oh = (row % pixels) / g->out_w, ow = row % g->out_w;
    const float *src = col + r * g->k_h * g->k_w * g->in_c;
    for (int64_t kh = 0; kh < g->k_h; kh++) {
      const int64_t ih = oh * g->stride_h + kh * g->dilation_h - g->pad_top;
      for (int64_t kw = 0; kw < g->k_w; kw++, src += g->in_c) {
        const int64_t iw = ow * g->stride_w + kw * g->dilation_w - g->pad_left;
        if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w) continue;
        float *target = dx + ((b * g->in_h + ih) * g->in_w + iw) * g->in_c;
        for (int64_t c = 0; c < g->in_c; c++) target[c] += src[c];
      }
    }
  }
}

static napi_value throw_out_of_memory(napi_env env) {
  napi_throw_error(env, NULL, "out of memory for the convolution's column buffer");
  return NULL;
}

// y = columns(x) . filter, slab by slab. Returns 0 when the column buffer cannot be allocated.
static int forward_conv(const geometry *g, const float *x, const float *w, float *y) {
  const int64_t m = g->batch * g->out_h * g->out_w, k = g->k_h * g->k_w * g->in_c, n = g->out_c;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, x, k, w, n, 0.0f, y, n);
    return 1;
  }
  const int64_t step = slab_rows(g);
  float *col = malloc((size_t)(step < m ? step : m) * (size_t)k * sizeof(float));
  if (col == NULL) return 0;
  for (int64_t first = 0; first < m; first += step) {
    const int64_t rows = m - first < step ? m - first : step;
    gather_columns(g, x, first, rows, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, k, 1.0f, col, k, w, n, 0.0f,
                y + first * n, n);
  }
  free(col);
  return 1;
}

// conv2d(x, filter, y, geometry)
static napi_value conv2d(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"x", "filter", "y"};
  static const enum extent extents[3] = {IMAGE, FILTER, OUTPUT};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  if (!forward_conv(&g, a[0].data, a[1].data, a[2].data)) return throw_out_of_memory(env);
  return NULL;
}

// With stride 1 and no dilation, the input gradient is itself a forward convolution: of dy, by the
// filter turned 180 degrees with in and out swapped, padded by kernel - 1 - padding. That product
// has the forward pass's good shape (a long inner dimension) and needs no scatter.
static int backprop_input_as_conv(const geometry *g, const float *dy, const float *w, float *dx) {
  const int64_t kh_n = g->k_h, kw_n = g->k_w, ci_n = g->in_c, co_n = g->out_c;
  float *flipped = malloc((size_t)(kh_n * kw_n * ci_n * co_n) * sizeof(float));
  if (flipped == NULL) return 0;
  for (int64_t kh = 0; kh < kh_n; kh++)
    for (int64_t kw = 0; kw < kw_n; kw++)
      for (int64_t ci = 0; ci < ci_n; ci++)
        for (int64_t co = 0; co < co_n; co++)
          flipped[(((kh_n - 1 - kh) * kw_n + (kw_n - 1 - kw)) * co_n + co) * ci_n + ci] =
              w[((kh * kw_n + kw) * ci_n + ci) * co_n + co];
  const geometry turned = {g->batch, g->out_h, g->out_w, co_n, g->in_h, g->in_w, ci_n, kh_n, kw_n,
                           1, 1, 1, 1, kh_n - 1 - g->pad_top, kw_n - 1 - g->pad_left,
                           g->output, g->image, g->filter};
  const int ok = forward_conv(&turned, dy, flipped, dx);
  free(flipped);
  return ok;
}

// conv2dBackpropInput(dy, filter, dx, geometry)
static napi_value conv2d_backprop_input(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"dy", "filter", "dx"};
  static const enum extent extents[3] = {OUTPUT, FILTER, IMAGE};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  const floats dy = a[0], w = a[1], dx = a[2];
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.k_h * g.k_w * g.in_c, n = g.out_c;
  if (is_pointwise(&g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1.0f, dy.data, n, w.data, n, 0.0f,
                dx.data, k);
    return NULL;
  }
  if (g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 && g.dilation_w == 1 &&
      g.pad_top < g.k_h && g.pad_left < g.k_w) {
    if (!backprop_input_as_conv(&g, dy.data, w.data, dx.data)) return throw_out_of_memory(env);
    return NULL;
  }
  const int64_t step = slab_rows(&g);
  float *col = malloc((size_t)(step < m ? step : m) * (size_t)k * sizeof(float));
  if (col == NULL) return throw_out_of_memory(env);
  memset(dx.data, 0, dx.length * sizeof(float));
  for (int64_t first = 0; first < m; first += step) {
    const int64_t rows = m - first < step ? m - first : step;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, n, 1.0f, dy.data + first * n, n, w.data,
                n, 0.0f, col, k);
    scatter_columns(&g, col, first, rows, dx.data);
  }
  free(col);
  return NULL;
}

// conv2dBackpropFilter(x, dy, dfilter, geometry)
static napi_value conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"x", "dy", "dfilter"};
  static const enum extent extents[3] = {IMAGE, OUTPUT, FILTER};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  const floats x = a[0], dy = a[1], dw = a[2];
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.k_h * g.k_w * g.in_c, n = g.out_c;
  if (is_pointwise(&g)) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, m, 1.0f, x.data, k, dy.data, n, 0.0f,
                dw.data, n);
    return NULL;
  }
  const int64_t step = slab_rows(&g);
  float *col = malloc((size_t)(step < m ? step : m) * (size_t)k * sizeof(float));
  if (col == NULL) return throw_out_of_memory(env);
  for (int64_t first = 0; first < m; first += step) {
    const int64_t rows = m - first < step ? m - first : step;
    gather_columns(&g, x.data, first, rows, col);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, rows, 1.0f, col, k, dy.data + first * n, n,
                first == 0 ? 0.0f : 1.0f, dw.data, n);
  }
  free(col);
  return NULL;
}

static int get_int(napi_env env, napi_value value, const char *name, int64_t *out) {
  if (napi_get_value_int64(env, value, out) != napi_ok || *out < 0) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a non-negative integer", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

// matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB): c[i] = op(a[i]) . op(b[i]) for
// i < max(batchA, batchB), where a batch of 1 is shared by every product.
static napi_value matmul(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats a, b, c;
  int64_t batch_a, batch_b, m, n, k;
  bool trans_a = false, trans_b = false;
  if (argc < 10 || !get_floats(env, args[0], "a", &a) || !get_floats(env, args[1], "b", &b) ||
      !get_floats(env, args[2], "c", &c) || !get_int(env, args[3], "batchA", &batch_a) ||
      !get_int(env, args[4], "batchB", &batch_b) || !get_int(env, args[5], "m", &m) ||
      !get_int(env, args[6], "n", &n) || !get_int(env, args[7], "k", &k))
    return NULL;
  napi_get_value_bool(env, args[8], &trans_a);
  napi_get_value_bool(env, args[9], &trans_b);
  if (batch_a != batch_b && batch_a != 1 && batch_b != 1) {
    napi_throw_range_error(env, NULL, "batch sizes must be equal or one of them 1");
    return NULL;
  }
  // A batch of 1 is shared by the other's products; a batch of 0 (with a shared 1) has none.
  const int64_t batch = batch_a == 0 || batch_b == 0 ? 0 : batch_a > batch_b ? batch_a : batch_b;
  int64_t a_size, b_size, c_size, stacked_rows;
  if (!PRODUCT_OF(env, "a (batchA x m x k)", MAX_FLOATS, &a_size, batch_a, m, k) ||
      !PRODUCT_OF(env, "b (batchB x k x n)", MAX_FLOATS, &b_size, batch_b, k, n) ||
      !PRODUCT_OF(env, "c (batch x m x n)", MAX_FLOATS, &c_size, batch, m, n) ||
      !PRODUCT_OF(env, "m", INT_MAX, &stacked_rows, m) || !PRODUCT_OF(env, "n", INT_MAX, &stacked_rows, n) ||
      !PRODUCT_OF(env, "k", INT_MAX, &stacked_rows, k) ||
      !check_length(env, &a, (size_t)a_size, "a") || !check_length(env, &b, (size_t)b_size, "b") ||
      !check_length(env, &c, (size_t)c_size, "c"))
    return NULL;
  if (k == 0) {
    memset(c.data, 0, c.length * sizeof(float));
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  const int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  // A shared right-hand side with a plain left one: one product over the stacked rows.
  if (batch_b == 1 && batch_a > 1 && !trans_a && batch_a * m <= INT_MAX) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, batch_a * m, n, k, 1.0f,
                a.data, k, b.data, ldb, 0.0f, c.data, n);
    return NULL;
  }
  for (int64_t i = 0; i < batch; i++) {
    const float *ai = a.data + (batch_a == 1 ? 0 : i * m * k);
    const float *bi = b.data + (batch_b == 1 ? 0 : i * k * n);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, ai, lda, bi, ldb, 0.0f, c.data + i * m * n, n);
  }
  return NULL;
}

// ---- Element-wise kernels and channel reductions ----

// Runs the statements after the arguments on each thread over its own run of rows [first, last),
// with `partial`, a zeroed array of `width` doubles of its own, then adds the partials into `sums`
// in thread order (so results do not depend on timing). Sets ok to 0 when out of memory.
#define PARALLEL_ROW_SUMS(ok, rows, width, sums, values, ...)                                    \
  do {                                                                                          \
    const int threads_ = (values) > PARALLEL_MIN_VALUES ? omp_get_max_threads() : 1;           \
    double *partials_ = calloc((size_t)threads_ * (width), sizeof(double));                    \
    if (partials_ == NULL) {                                                                    \
      (ok) = 0;                                                                                 \
      break;                                                                                    \
    }                                                                                           \
    _Pragma("omp parallel num_threads(threads_)") {                                             \
      const size_t t_ = (size_t)omp_get_thread_num(), n_ = (size_t)omp_get_num_threads();       \
      const size_t first = (rows) * t_ / n_, last = (rows) * (t_ + 1) / n_;                     \
      double *partial = partials_ + t_ * (width);                                               \
      __VA_ARGS__                                                                               \
    }                                                                                           \
    for (int t_ = 0; t_ < threads_; t_++)                                                       \
      for (size_t k_ = 0; k_ < (width); k_++) (sums)[k_] += partials_[(size_t)t_ * (width) + k_]; \
    free(partials_);                                                                            \
  } while (0)

// How two operands of a binary op line up with the output.
enum layout {
  SAME = 0,          // both have the output's shape
  RIGHT_SCALAR = 1,  // a full, b one value
  LEFT_SCALAR = 2,   // a one value, b full
  RIGHT_CHANNEL = 3, // a full, b one value per channel (the last dimension)
  LEFT_CHANNEL = 4,  // a one value per channel, b full
};

enum operation { ADD = 0, SUB = 1, MUL = 2, DIV = 3 };

#define APPLY(OP)                                                                                 \
  switch (mode) {                                                                                 \
    case SAME:                                                                                    \
      for (size_t i = 0; i < n; i++) out[i] = a[i] OP b[i];                                       \
      break;                                                                                      \
    case RIGHT_SCALAR: {                                                                          \
      const float v = b[0];                                                                       \
      for (size_t i = 0; i < n; i++) out[i] = a[i] OP v;                                          \
      break;                                                                                      \
    }                                                                                             \
    case LEFT_SCALAR: {                                                                           \
      const float v = a[0];                                                                       \
      for (size_t i = 0; i < n; i++) out[i] = v OP b[i];                                          \
      break;                                                                                      \
    }                                                                                             \
    case RIGHT_CHANNEL:                                                                           \
      for (size_t i = 0; i < n; i += channels)                                                    \
        for (size_t c = 0; c < channels; c++) out[i + c] = a[i + c] OP b[c];                      \
      break;                                                                                      \
    case LEFT_CHANNEL:                                                                            \
      for (size_t i = 0; i < n; i += channels)                                                    \
        for (size_t c = 0; c < channels; c++) out[i + c] = a[c] OP b[i + c];                      \
      break;                                                                                      \
  }

static void binary_range(int op, int mode, const float *a, const float *b, float *out, size_t n,
                         size_t channels) {
  switch (op) {
    case ADD: APPLY(+) break;
    case SUB: APPLY(-) break;
    case MUL: APPLY(*) break;
    case DIV: APPLY(/) break;
  }
}

// Splits the output into one run of whole rows per thread; each run is an independent binary_range.
static void binary_loop(int op, int mode, const float *a, const float *b, float *out, size_t n,
                        size_t channels) {
  const size_t rows = n / channels;
#pragma omp parallel if (n > PARALLEL_MIN_VALUES)
  {
    const size_t t = (size_t)omp_get_thread_num(), threads = (size_t)omp_get_num_threads();
    const size_t first = rows * t / threads * channels, last = rows * (t + 1) / threads * channels;
    const size_t a_at = mode == SAME || mode == RIGHT_SCALAR || mode == RIGHT_CHANNEL ? first : 0;
    const size_t b_at = mode == SAME || mode == LEFT_SCALAR || mode == LEFT_CHANNEL ? first : 0;
    binary_range(op, mode, a + a_at, b + b_at, out + first, last - first, channels);
  }
}

// Values each operand must have for a layout.
static int operand_sizes(int mode, size_t n, size_t channels, size_t *a_size, size_t *b_size) {
  switch (mode) {
    case SAME: *a_size = n; *b_size = n; return 1;
    case RIGHT_SCALAR: *a_size = n; *b_size = 1; return 1;
    case LEFT_SCALAR: *a_size = 1; *b_size = n; return 1;
    case RIGHT_CHANNEL: *a_size = n; *b_size = channels; return 1;
    case LEFT_CHANNEL: *a_size = channels; *b_size = n; return 1;
    default: return 0;
  }
}

// binary(operation, layout, a, b, out, channels): out = a (op) b.
static napi_value binary(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int64_t op, mode, channels;
  floats a, b, out;
  if (argc < 6 || !get_int(env, args[0], "operation", &op) || !get_int(env, args[1], "layout", &mode) ||
      !get_floats(env, args[2], "a", &a) || !get_floats(env, args[3], "b", &b) ||
      !get_floats(env, args[4], "out", &out) || !get_int(env, args[5], "channels", &channels))
    return NULL;
  size_t a_size, b_size;
  if (op > DIV || channels < 1 || !operand_sizes((int)mode, out.length, (size_t)channels, &a_size, &b_size) ||
      out.length % (size_t)channels != 0) {
    napi_throw_range_error(env, NULL, "unknown operation or layout, or channels do not divide the output");
    return NULL;
  }
  if (!check_length(env, &a, a_size, "a") || !check_length(env, &b, b_size, "b")) return NULL;
  binary_loop((int)op, (int)mode, a.data, b.data, out.data, out.length, (size_t)channels);
  return NULL;
}

// channelSum(x, out, scale): out[c] = scale * sum over rows of x[row, c], x seen as
// [x.length / out.length, out.length]. Sums in double, as tfjs's JavaScript does.
static napi_value channel_sum(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, out;
  double scale = 1;
  if (argc < 3 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "out", &out) ||
      napi_get_value_double(env, args[2], &scale) != napi_ok)
    return NULL;
  const size_t channels = out.length;
  if (channels == 0 || x.length % channels != 0) {
    napi_throw_range_error(env, NULL, "x must hold a whole number of rows of out.length values");
    return NULL;
  }
  double *sums = calloc(channels, sizeof(double));
  int ok = sums != NULL;
  if (ok) {
    const float *v = x.data;
    PARALLEL_ROW_SUMS(ok, x.length / channels, channels, sums, x.length, {
      for (size_t r = first; r < last; r++)
        for (size_t c = 0; c < channels; c++) partial[c] += v[r * channels + c];
    });
  }
  if (!ok) {
    free(sums);
    return throw_out_of_memory(env);
  }
  for (size_t c = 0; c < channels; c++) out.data[c] = (float)(sums[c] * scale);
  free(sums);
  return NULL;
}

// prelu(x, alpha, out, channels): out = x >= 0 ? x : alpha * x, alpha one value or one per channel.
static napi_value prelu(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, alpha, out;
  int64_t channels;
  if (argc < 4 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "alpha", &alpha) ||
      !get_floats(env, args[2], "out", &out) || !get_int(env, args[3], "channels", &channels))
    return NULL;
  if (channels < 1 || x.length % (size_t)channels != 0 || (alpha.length != 1 && alpha.length != (size_t)channels)) {
    napi_throw_range_error(env, NULL, "alpha must hold one value or one per channel");
    return NULL;
  }
  if (!check_length(env, &out, x.length, "out")) return NULL;
  const size_t step = alpha.length == 1 ? 0 : 1;
  const int64_t rows = (int64_t)(x.length / (size_t)channels);
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < rows; r++)
    for (size_t c = 0, i = (size_t)r * (size_t)channels; c < (size_t)channels; c++) {
      const float v = x.data[i + c];
      out.data[i + c] = v >= 0 ? v : alpha.data[c * step] * v;
    }
  return NULL;
}

// preluGrad(x, alpha, dy, dx, dalpha): both gradients of prelu in one pass; dalpha is summed over
// rows (one value per channel, or one in all when alpha is a scalar).
static napi_value prelu_grad(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, alpha, dy, dx, dalpha;
  if (argc < 5 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "alpha", &alpha) ||
      !get_floats(env, args[2], "dy", &dy) || !get_floats(env, args[3], "dx", &dx) ||
      !get_floats(env, args[4], "dalpha", &dalpha))
    return NULL;
  const size_t channels = alpha.length;
  if (channels == 0 || x.length % channels != 0) {
    napi_throw_range_error(env, NULL, "x must hold a whole number of rows of alpha.length values");
    return NULL;
  }
  if (!check_length(env, &dy, x.length, "dy") || !check_length(env, &dx, x.length, "dx") ||
      !check_length(env, &dalpha, channels, "dalpha"))
    return NULL;
  double *sums = calloc(channels, sizeof(double));
  int ok = sums != NULL;
  if (ok) {
    const float *xs = x.data, *gs = dy.data, *slopes = alpha.data;
    float *out = dx.data;
    PARALLEL_ROW_SUMS(ok, x.length / channels, channels, sums, x.length, {
      for (size_t r = first; r < last; r++)
        for (size_t c = 0; c < channels; c++) {
          const size_t i = r * channels + c;
          const float v = xs[i], g = gs[i];
          if (v > 0) {
            out[i] = g;
          } else {
            out[i] = slopes[c] * g;
            partial[c] += (double)g * v;
          }
        }
    });
  }
  if (!ok) {
    free(sums);
    return throw_out_of_memory(env);
  }
  for (size_t c = 0; c < channels; c++) dalpha.data[c] = (float)sums[c];
  free(sums);
  return NULL;
}

// batchNorm(x, gamma, beta, epsilon, y, mean, variance, inverseStd): training-mode batch
// normalisation over every axis but the last, in three passes (mean, centred variance, output).
static napi_value batch_norm(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, gamma, beta, y, mean, variance, inverse_std;
  double epsilon;
  if (argc < 8 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "gamma", &gamma) ||
      !get_floats(env, args[2], "beta", &beta) || napi_get_value_double(env, args[3], &epsilon) != napi_ok ||
      !get_floats(env, args[4], "y", &y) || !get_floats(env, args[5], "mean", &mean) ||
      !get_floats(env, args[6], "variance", &variance) || !get_floats(env, args[7], "inverseStd", &inverse_std))
    return NULL;
  const size_t c = gamma.length;
  if (c == 0 || x.length % c != 0 || x.length == 0) {
    napi_throw_range_error(env, NULL, "x must hold a whole, non-zero number of rows of gamma.length values");
    return NULL;
  }
  if (!check_length(env, &beta, c, "beta") || !check_length(env, &y, x.length, "y") ||
      !check_length(env, &mean, c, "mean") || !check_length(env, &variance, c, "variance") ||
      !check_length(env, &inverse_std, c, "inverseStd"))
    return NULL;
  const size_t rows = x.length / c;
  double *sums = calloc(2 * c, sizeof(double));
  float *shift = malloc(c * sizeof(float));
  if (sums == NULL || shift == NULL) {
    free(sums);
    free(shift);
    return throw_out_of_memory(env);
  }
  double *squares = sums + c;
  const float *xs = x.data, *means = mean.data;
  int ok = 1;
  PARALLEL_ROW_SUMS(ok, rows, c, sums, x.length, {
    for (size_t r = first; r < last; r++)
      for (size_t k = 0; k < c; k++) partial[k] += xs[r * c + k];
  });
  for (size_t k = 0; k < c; k++) mean.data[k] = (float)(sums[k] / (double)rows);
  if (ok) {
    PARALLEL_ROW_SUMS(ok, rows, c, squares, x.length, {
      for (size_t r = first; r < last; r++)
        for (size_t k = 0; k < c; k++) {
          const double d = (double)xs[r * c + k] - means[k];
          partial[k] += d * d;
        }
    });
  }
  if (!ok) {
    free(sums);
    free(shift);
    return throw_out_of_memory(env);
  }
  // y = (x - mean) * scale + beta with scale = gamma / std.
  float *scale = shift;
  for (size_t k = 0; k < c; k++) {
    variance.data[k] = (float)(squares[k] / (double)rows);
    inverse_std.data[k] = (float)(1.0 / sqrt((double)variance.data[k] + epsilon));
    scale[k] = gamma.data[k] * inverse_std.data[k];
  }
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < (int64_t)rows; r++)
    for (size_t k = 0, i = (size_t)r * c; k < c; k++)
      y.data[i + k] = (x.data[i + k] - mean.data[k]) * scale[k] + beta.data[k];
  free(sums);
  free(shift);
  return NULL;
}

// batchNormGrad(x, dy, mean, inverseStd, gamma, dx, dgamma, dbeta): the closed-form backward of
// batch_norm, in two passes: dbeta = sum dy, dgamma = sum dy * xhat, then
// dx = gamma * inverseStd * (dy - dbeta / n - xhat * dgamma / n).
static napi_value batch_norm_grad(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, dy, mean, inverse_std, gamma, dx, dgamma, dbeta;
  if (argc < 8 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "dy", &dy) ||
      !get_floats(env, args[2], "mean", &mean) || !get_floats(env, args[3], "inverseStd", &inverse_std) ||
      !get_floats(env, args[4], "gamma", &gamma) || !get_floats(env, args[5], "dx", &dx) ||
      !get_floats(env, args[6], "dgamma", &dgamma) || !get_floats(env, args[7], "dbeta", &dbeta))
    return NULL;
  const size_t c = gamma.length;
  if (c == 0 || x.length % c != 0 || x.length == 0) {
    napi_throw_range_error(env, NULL, "x must hold a whole, non-zero number of rows of gamma.length values");
    return NULL;
  }
  if (!check_length(env, &dy, x.length, "dy") || !check_length(env, &mean, c, "mean") ||
      !check_length(env, &inverse_std, c, "inverseStd") || !check_length(env, &dx, x.length, "dx") ||
      !check_length(env, &dgamma, c, "dgamma") || !check_length(env, &dbeta, c, "dbeta"))
    return NULL;
  const double rows = (double)(x.length / c);
  double *sums = calloc(2 * c, sizeof(double));
  float *coefficients = malloc(3 * c * sizeof(float));
  if (sums == NULL || coefficients == NULL) {
    free(sums);
    free(coefficients);
    return throw_out_of_memory(env);
  }
  double *weighted = sums + c;
  const float *xs = x.data, *gs = dy.data, *means = mean.data, *inverses = inverse_std.data;
  int ok = 1;
  PARALLEL_ROW_SUMS(ok, x.length / c, 2 * c, sums, x.length, {
    double *partial_weighted = partial + c;
    for (size_t r = first; r < last; r++)
      for (size_t k = 0; k < c; k++) {
        const float g = gs[r * c + k];
        partial[k] += g;
        partial_weighted[k] += (double)g * ((xs[r * c + k] - means[k]) * inverses[k]);
      }
  });
  if (!ok) {
    free(sums);
    free(coefficients);
    return throw_out_of_memory(env);
  }
  // dx = a * dy + b * (x - mean) + d per channel, folding xhat = (x - mean) * inverseStd.
  float *a = coefficients, *b = coefficients + c, *d = coefficients + 2 * c;
  for (size_t k = 0; k < c; k++) {
    dbeta.data[k] = (float)sums[k];
    dgamma.data[k] = (float)weighted[k];
    const double s = (double)gamma.data[k] * inverse_std.data[k];
    const double xhat_coefficient = weighted[k] / rows * inverse_std.data[k];
    a[k] = (float)s;
    b[k] = (float)(-s * xhat_coefficient);
    d[k] = (float)(-s * sums[k] / rows);
  }
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < (int64_t)(x.length / c); r++)
    for (size_t k = 0, i = (size_t)r * c; k < c; k++)
      dx.data[i + k] = a[k] * dy.data[i + k] + b[k] * (x.data[i + k] - mean.data[k]) + d[k];
  free(sums);
  free(coefficients);
  return NULL;
}

// One pair's dot product exactly as bctkit's JavaScript computes it: four double accumulators
// over k mod 4 (float products are exact in double), summed as (s0 + s1) + (s2 + s3). The same
// bits as the JavaScript, vectorised where the CPU allows.
__attribute__((target_clones("avx2", "default"))) static float pair_dot(const float *a, const float *b,
                                                                         int64_t dim) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const int64_t unrolled = dim - dim % 4;
  for (int64_t k = 0; k < unrolled; k += 4) {
    s0 += (double)a[k] * b[k];
    s1 += (double)a[k + 1] * b[k + 1];
    s2 += (double)a[k + 2] * b[k + 2];
    s3 += (double)a[k + 3] * b[k + 3];
  }
  for (int64_t k = unrolled; k < dim; k++) s0 += (double)a[k] * b[k];
  return (float)(s0 + s1 + (s2 + s3));
}

// Four pairs at once, each exactly as pair_dot computes it (the same four double accumulators,
// the same order): the four pairs' chains are independent, so the multiply-adds overlap instead
// of each waiting on the previous one.
__attribute__((target_clones("avx2", "default"))) static void pair_dot4(const float *const a[4],
                                                                        const float *const b[4],
                                                                        int64_t dim, float out[4]) {
  double s[4][4] = {{0}};
  const int64_t unrolled = dim - dim % 4;
  for (int64_t k = 0; k < unrolled; k += 4)
    for (int q = 0; q < 4; q++)
      for (int j = 0; j < 4; j++) s[q][j] += (double)a[q][k + j] * b[q][k + j];
  for (int q = 0; q < 4; q++) {
    for (int64_t k = unrolled; k < dim; k++) s[q][0] += (double)a[q][k] * b[q][k];
    out[q] = (float)(s[q][0] + s[q][1] + (s[q][2] + s[q][3]));
  }
}

// IJB-C scoring (millions of independent pairs, no BLAS running beside it) uses every core, while
// the training kernels keep OpenMP's default team (one thread unless OMP_NUM_THREADS says more; see
// src/index.js): there the OpenMP and OpenBLAS pools would take turns on the same cores.
static int scoring_threads(void) { return omp_get_num_procs(); }

// out[positions[q]] (out[q] when positions is NULL) = the dot of left row rows_left[q] and right
// row rows_right[q], four pairs at a time (pair_dot4), the last few one by one (pair_dot).
static void dot_row_pairs(const float *left, const float *right, int64_t cols, const int32_t *rows_left,
                          const int32_t *rows_right, const int32_t *positions, int64_t pairs, float *out) {
  const int64_t groups = pairs / 4;
#pragma omp parallel for schedule(static, 1024) num_threads(scoring_threads()) if (pairs * cols > PARALLEL_MIN_VALUES)
  for (int64_t g = 0; g < groups; g++) {
    const int64_t q = 4 * g;
    const float *a[4], *b[4];
    float dots[4];
    for (int u = 0; u < 4; u++) {
      a[u] = left + (int64_t)rows_left[q + u] * cols;
      b[u] = right + (int64_t)rows_right[q + u] * cols;
    }
    pair_dot4(a, b, cols, dots);
    for (int u = 0; u < 4; u++) out[positions == NULL ? q + u : positions[q + u]] = dots[u];
  }
  for (int64_t q = 4 * groups; q < pairs; q++)
    out[positions == NULL ? q : positions[q]] =
        pair_dot(left + (int64_t)rows_left[q] * cols, right + (int64_t)rows_right[q] * cols, cols);
}

// Rows per tile side when pairs are visited tile by tile: 4 MiB a side, so a tile's two blocks
// stay in the last-level cache while its pairs read them (2,048 rows of 512 floats: measured best
// among 64 to 4,096 on IJB-C-sized scoring, 2 cores with 32 MiB of L3). BCTKIT_PAIR_TILE_ROWS
// overrides it.
static int64_t pair_tile_rows(int64_t cols) {
  const char *text = getenv("BCTKIT_PAIR_TILE_ROWS");
  const long chosen = text == NULL ? 0 : strtol(text, NULL, 10);
  if (chosen > 0) return chosen;
  const int64_t rows = (int64_t)(1u << 20) / (cols > 0 ? cols : 1);
  return rows < 16 ? 16 : rows;
}

// The pairs of many random rows, visited in tile order: both matrices are cut into blocks of rows,
// a counting sort groups the pairs by (left block, right block), and each group is computed while
// its two blocks sit in cache. Each pair's dot is the same computation as in the plain loop, so
// the result is bit-identical; only memory traffic changes. Returns false (nothing done) when
// tiling does not pay: few pairs, few rows, or too many tiles to count.
static bool pair_dots_tiled(const float *left, const float *right, int64_t cols, const int32_t *li,
                            const int32_t *ri, int64_t pairs, int64_t left_rows, int64_t right_rows,
                            float *out) {
  const int64_t tile = pair_tile_rows(cols);
  const int64_t left_tiles = (left_rows + tile - 1) / tile, right_tiles = (right_rows + tile - 1) / tile;
  const int64_t tiles = left_tiles * right_tiles;
  if (pairs < (1 << 16) || pairs > INT32_MAX || tiles < 2 || tiles > (1 << 24) ||
      (left_rows + right_rows) * cols * (int64_t)sizeof(float) < (8 << 20))
    return false;
  // A counting sort by tile, in parallel: each thread counts its share of the pairs, the counts
  // become each thread's write positions in every tile, and each thread places its share.
  const int max_parts = scoring_threads();
  int64_t *counts = calloc((size_t)max_parts * (size_t)tiles, sizeof(int64_t));
  // Per pair in tile order: its position in `out`, and its two rows (read in sequence below).
  int32_t *order = malloc((size_t)pairs * 3 * sizeof(int32_t));
  if (counts == NULL || order == NULL) {
    free(counts);
    free(order);
    return false;
  }
  int32_t *tile_left = order + pairs, *tile_right = order + 2 * pairs;
#pragma omp parallel num_threads(max_parts)
  {
    const int part = omp_get_thread_num(), parts = omp_get_num_threads();
    const int64_t first = pairs * part / parts, last = pairs * (part + 1) / parts;
    int64_t *mine = counts + (int64_t)part * tiles;
    for (int64_t p = first; p < last; p++) mine[(li[p] / tile) * right_tiles + ri[p] / tile]++;
#pragma omp barrier
#pragma omp single
    {
      int64_t running = 0;
      for (int64_t t = 0; t < tiles; t++)
        for (int q = 0; q < parts; q++) {
          const int64_t here = counts[(int64_t)q * tiles + t];
          counts[(int64_t)q * tiles + t] = running;
          running += here;
        }
    }
    for (int64_t p = first; p < last; p++) {
      const int64_t at = mine[(li[p] / tile) * right_tiles + ri[p] / tile]++;
      order[at] = (int32_t)p;
      tile_left[at] = li[p];
      tile_right[at] = ri[p];
    }
  }
  free(counts);
  // Consecutive pairs in tile order share their rows; threads take long runs of them.
  dot_row_pairs(left, right, cols, tile_left, tile_right, order, pairs, out);
  free(order);
  return true;
}

// pairDots(left, right, cols, leftIndex, rightIndex, out): out[p] = <left row li[p], right row
// ri[p]>, rows of `cols` floats; indices are Int32Arrays, checked against the matrices here.
static napi_value pair_dots(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats left, right, out;
  int64_t cols;
  const int32_t *indices[2] = {NULL, NULL};
  size_t counts[2] = {0, 0};
  if (argc < 6 || !get_floats(env, args[0], "left", &left) || !get_floats(env, args[1], "right", &right) ||
      !get_int(env, args[2], "cols", &cols) || !get_floats(env, args[5], "out", &out))
    return NULL;
  for (int side = 0; side < 2; side++) {
    bool is_typed = false;
    napi_typedarray_type type;
    void *data = NULL;
    napi_is_typedarray(env, args[3 + side], &is_typed);
    if (!is_typed || napi_get_typedarray_info(env, args[3 + side], &type, &counts[side], &data, NULL, NULL) != napi_ok ||
        type != napi_int32_array) {
      napi_throw_type_error(env, NULL, side == 0 ? "leftIndex must be an Int32Array" : "rightIndex must be an Int32Array");
      return NULL;
    }
    indices[side] = (const int32_t *)data;
  }
  if (cols < 1 || left.length % (size_t)cols != 0 || right.length % (size_t)cols != 0 ||
      counts[0] != out.length || counts[1] != out.length) {
    napi_throw_range_error(env, NULL, "matrices must be whole rows of cols values, with one index pair per output");
    return NULL;
  }
  const int64_t left_rows = (int64_t)(left.length / (size_t)cols), right_rows = (int64_t)(right.length / (size_t)cols);
  const int64_t pairs = (int64_t)out.length;
  for (int64_t p = 0; p < pairs; p++) {
    if (indices[0][p] < 0 || indices[0][p] >= left_rows || indices[1][p] < 0 || indices[1][p] >= right_rows) {
      napi_throw_range_error(env, NULL, "an index is outside its matrix");
      return NULL;
    }
  }
  const int32_t *li = indices[0], *ri = indices[1];
  if (!pair_dots_tiled(left.data, right.data, cols, li, ri, pairs, left_rows, right_rows, out.data))
    dot_row_pairs(left.data, right.data, cols, li, ri, NULL, pairs, out.data);
  return NULL;
}

// IEEE-754 bits as an unsigned key whose order is the floats' order (negatives reversed), so -0
// sorts before +0 and the infinities at the ends, as a typed-array sort orders them.
static inline uint32_t float_order_key(uint32_t bits) {
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

static inline uint32_t float_from_order_key(uint32_t key) {
  return (key & 0x80000000u) ? key & 0x7fffffffu : ~key;
}

// sortFloat32(array): ascending, in place, by a three-pass LSD radix sort on 11-bit digits of
// the order keys. NaNs are the caller's to exclude (their order is unspecified).
static napi_value sort_float32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats array;
  if (argc < 1 || !get_floats(env, args[0], "array", &array)) return NULL;
  const size_t n = array.length;
  if (n < 2) return NULL;
  uint32_t *keys = (uint32_t *)array.data;
  uint32_t *spare = malloc(n * sizeof(uint32_t));
  if (spare == NULL) {
    napi_throw_error(env, NULL, "sortFloat32: out of memory");
    return NULL;
  }
  enum { DIGITS = 3, BITS = 11, BUCKETS = 1 << BITS };
  size_t *counts = calloc((size_t)DIGITS * BUCKETS, sizeof(size_t));
  if (counts == NULL) {
    free(spare);
    napi_throw_error(env, NULL, "sortFloat32: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const uint32_t key = float_order_key(keys[i]);
    keys[i] = key;
    for (int d = 0; d < DIGITS; d++) counts[d * BUCKETS + ((key >> (d * BITS)) & (BUCKETS - 1))]++;
  }
  uint32_t *from = keys, *to = spare;
  for (int d = 0; d < DIGITS; d++) {
    size_t *count = counts + d * BUCKETS, total = 0;
    for (int b = 0; b < BUCKETS; b++) {
      const size_t here = count[b];
      count[b] = total;
      total += here;
    }
    for (size_t i = 0; i < n; i++) to[count[(from[i] >> (d * BITS)) & (BUCKETS - 1)]++] = from[i];
    uint32_t *swap = from;
    from = to;
    to = swap;
  }
  // Three passes leave the sorted keys in the spare buffer.
  for (size_t i = 0; i < n; i++) keys[i] = float_from_order_key(from[i]);
  free(counts);
  free(spare);
  return NULL;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(env, napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, conv2d_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL},
      {"channelSum", NULL, channel_sum, NULL, NULL, NULL, napi_default, NULL},
      {"prelu", NULL, prelu, NULL, NULL, NULL, napi_default, NULL},
      {"preluGrad", NULL, prelu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormGrad", NULL, batch_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"pairDots", NULL, pair_dots, NULL, NULL, NULL, napi_default, NULL},
      {"sortFloat32", NULL, sort_float32, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
