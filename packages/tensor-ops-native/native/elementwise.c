// Element-wise kernels and channel reductions: add/sub/mul/div with scalar, per-channel and
// per-row broadcasting, sums over every axis but the last, PReLU and its gradient. OpenMP over rows once
// the work is large enough (PARALLEL_MIN_VALUES).
#include "kernels.h"

// How two operands of a binary op line up with the output.
enum layout {
  SAME = 0,          // both have the output's shape
  RIGHT_SCALAR = 1,  // a full, b one value
  LEFT_SCALAR = 2,   // a one value, b full
  RIGHT_CHANNEL = 3, // a full, b one value per channel (the last dimension)
  LEFT_CHANNEL = 4,  // a one value per channel, b full
  RIGHT_ROW = 5,     // a full, b one value per row (shape [..., 1]: l2 normalisation, softmax)
  LEFT_ROW = 6,      // a one value per row, b full
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
    case RIGHT_ROW:                                                                               \
      for (size_t i = 0, r = 0; i < n; i += channels, r++) {                                      \
        const float v = b[r];                                                                     \
        for (size_t c = 0; c < channels; c++) out[i + c] = a[i + c] OP v;                         \
      }                                                                                           \
      break;                                                                                      \
    case LEFT_ROW:                                                                                \
      for (size_t i = 0, r = 0; i < n; i += channels, r++) {                                      \
        const float v = a[r];                                                                     \
        for (size_t c = 0; c < channels; c++) out[i + c] = v OP b[i + c];                         \
      }                                                                                           \
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
    const size_t a_at = mode == SAME || mode == RIGHT_SCALAR || mode == RIGHT_CHANNEL || mode == RIGHT_ROW
                            ? first
                            : mode == LEFT_ROW ? first / channels : 0;
    const size_t b_at = mode == SAME || mode == LEFT_SCALAR || mode == LEFT_CHANNEL || mode == LEFT_ROW
                            ? first
                            : mode == RIGHT_ROW ? first / channels : 0;
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
    case RIGHT_ROW: *a_size = n; *b_size = n / channels; return 1;
    case LEFT_ROW: *a_size = n / channels; *b_size = n; return 1;
    default: return 0;
  }
}

// binary(operation, layout, a, b, out, channels): out = a (op) b.
napi_value bctkit_binary(napi_env env, napi_callback_info info) {
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
napi_value bctkit_channel_sum(napi_env env, napi_callback_info info) {
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
napi_value bctkit_prelu(napi_env env, napi_callback_info info) {
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
  // Both sides computed, then selected, so the compiler vectorises the loops: the signs of
  // normalised activations are random, and a branch per value mispredicted often enough to run
  // 15 times slower than the memory allows.
  const int64_t rows = (int64_t)(x.length / (size_t)channels);
  const size_t width = (size_t)channels;
  const float *restrict xs = x.data, *restrict slopes = alpha.data;
  float *restrict ys = out.data;
  if (alpha.length == 1) {
    const float slope = slopes[0];
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
    for (int64_t r = 0; r < rows; r++)
      for (size_t c = 0, i = (size_t)r * width; c < width; c++) {
        const float v = xs[i + c], scaled = slope * v;
        ys[i + c] = v >= 0 ? v : scaled;
      }
  } else {
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
    for (int64_t r = 0; r < rows; r++)
      for (size_t c = 0, i = (size_t)r * width; c < width; c++) {
        const float v = xs[i + c], scaled = slopes[c] * v;
        ys[i + c] = v >= 0 ? v : scaled;
      }
  }
  return NULL;
}

// preluGrad(x, alpha, dy, dx, dalpha): both gradients of prelu in one pass; dalpha is summed over
// rows (one value per channel, or one in all when alpha is a scalar).
//
// One row's values from `start`: selects, not branches (see prelu), in a function of its own with
// non-aliasing pointers so the compiler vectorises it.
static inline void prelu_grad_row(const float *restrict xs, const float *restrict gs, const float *restrict slopes,
                                  float *restrict out, double *restrict partial, size_t start, size_t channels) {
  for (size_t c = 0; c < channels; c++) {
    const float v = xs[start + c], g = gs[start + c];
    // Both factors zeroed where v > 0, so an infinite or NaN value there adds exactly nothing.
    const float scaled = slopes[c] * g, kept_g = v > 0 ? 0.0f : g, kept_v = v > 0 ? 0.0f : v;
    out[start + c] = v > 0 ? g : scaled;
    partial[c] += (double)kept_g * kept_v;
  }
}

napi_value bctkit_prelu_grad(napi_env env, napi_callback_info info) {
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
    const float *restrict xs = x.data, *restrict gs = dy.data, *restrict slopes = alpha.data;
    float *restrict out = dx.data;
    PARALLEL_ROW_SUMS(ok, x.length / channels, channels, sums, x.length, {
      for (size_t r = first; r < last; r++) prelu_grad_row(xs, gs, slopes, out, partial, r * channels, channels);
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

