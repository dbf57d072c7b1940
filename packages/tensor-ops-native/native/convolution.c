// Convolution kernels for tfjs's pure-JS cpu backend: oneDNN's when the add-on was built with it
// (onednn.c), else, or when oneDNN declines a geometry, im2col on the system OpenBLAS (sgemm). Every
// function works in place on caller-owned Float32Arrays (the backend's own buffers) and allocates
// only scratch space.
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
//
// geometry: Int32Array [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW,
//                       dilationH, dilationW, padTop, padLeft]
#include "kernels.h"

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
napi_value bctkit_conv2d(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"x", "filter", "y"};
  static const enum extent extents[3] = {IMAGE, FILTER, OUTPUT};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  if (onednn_conv_forward(&g, a[0].data, a[1].data, a[2].data)) return NULL;
  if (!forward_conv(&g, a[0].data, a[1].data, a[2].data)) return throw_out_of_memory(env);
  return NULL;
}

// conv2dFused(x, filter, y, geometry, bias, activation, prelu, leakyAlpha) -> boolean: the forward
// convolution with its bias (out_c values, or none when empty) and activation (0 linear, 1 relu,
// 3 leaky relu, 4 prelu with `prelu` one slope per output channel or one in all) applied inside
// oneDNN's kernel (a prelu in one pass after it where oneDNN has no fast kernel for it). False,
// with y untouched, when oneDNN is not there or declines: the caller then runs conv2d and its own
// epilogue.
napi_value bctkit_conv2d_fused(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, w, y, bias, prelu;
  geometry g;
  int64_t activation;
  double leaky_alpha;
  if (argc < 8 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "filter", &w) ||
      !get_floats(env, args[2], "y", &y) || !get_geometry(env, args[3], &g) ||
      !get_floats(env, args[4], "bias", &bias) || !get_int(env, args[5], "activation", &activation) ||
      !get_floats(env, args[6], "prelu", &prelu))
    return NULL;
  if (napi_get_value_double(env, args[7], &leaky_alpha) != napi_ok) {
    napi_throw_type_error(env, NULL, "leakyAlpha must be a number");
    return NULL;
  }
  if (!check_length(env, &x, (size_t)g.image, "x") || !check_length(env, &w, (size_t)g.filter, "filter") ||
      !check_length(env, &y, (size_t)g.output, "y"))
    return NULL;
  if (bias.length != 0 && !check_length(env, &bias, (size_t)g.out_c, "bias")) return NULL;
  if (activation != FUSED_LINEAR && activation != FUSED_RELU && activation != FUSED_LEAKY_RELU &&
      activation != FUSED_PRELU) {
    napi_throw_range_error(env, NULL, "activation must be 0 (linear), 1 (relu), 3 (leaky relu) or 4 (prelu)");
    return NULL;
  }
  if (activation == FUSED_PRELU && prelu.length != 1 && !check_length(env, &prelu, (size_t)g.out_c, "prelu"))
    return NULL;
  const int done = onednn_conv_forward_fused(&g, x.data, w.data, bias.length ? bias.data : NULL, (int)activation,
                                             (float)leaky_alpha, prelu.data, prelu.length == 1, y.data);
  napi_value result;
  CHECK(env, napi_get_boolean(env, done != 0, &result));
  return result;
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
napi_value bctkit_conv2d_backprop_input(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"dy", "filter", "dx"};
  static const enum extent extents[3] = {OUTPUT, FILTER, IMAGE};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  const floats dy = a[0], w = a[1], dx = a[2];
  if (onednn_conv_backward_data(&g, dy.data, w.data, dx.data)) return NULL;
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
napi_value bctkit_conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  static const char *const names[3] = {"x", "dy", "dfilter"};
  static const enum extent extents[3] = {IMAGE, OUTPUT, FILTER};
  floats a[3];
  geometry g;
  if (!get_conv_arguments(env, info, names, extents, a, &g)) return NULL;
  const floats x = a[0], dy = a[1], dw = a[2];
  if (onednn_conv_backward_weights(&g, x.data, dy.data, dw.data)) return NULL;
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

