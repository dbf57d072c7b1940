// Kernels that converted tfjs graph models (MobileFaceNet and the like) spend their time in:
// depthwise convolution, the bias + activation epilogue of fused convolutions and products, and
// the unary ReLU and absolute value (a converted PReLU is relu(x) + alpha * (x - |x|) / 2).
// Layouts are tfjs's: images NHWC, depthwise filters [kh, kw, in, 1].
#include "kernels.h"

// depthwiseConv2d(x, filter, y, geometry): a depthwise convolution with channel multiplier 1
// (out_c == in_c in the geometry). Each output pixel is a sum over the window of x * filter per
// channel, accumulated in y along the channels so the compiler vectorises it; rows of output
// (one image row) are split over the threads.
napi_value bctkit_depthwise_conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, w, y;
  geometry g;
  if (argc < 4 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "filter", &w) ||
      !get_floats(env, args[2], "y", &y) || !get_geometry(env, args[3], &g))
    return NULL;
  if (g.out_c != g.in_c) {
    napi_throw_range_error(env, NULL, "a depthwise convolution here has one output channel per input channel");
    return NULL;
  }
  if (!check_length(env, &x, (size_t)g.image, "x") ||
      !check_length(env, &w, (size_t)(g.k_h * g.k_w * g.in_c), "filter") ||
      !check_length(env, &y, (size_t)g.output, "y"))
    return NULL;
  const int64_t channels = g.in_c, rows = g.batch * g.out_h;
  const float *restrict xs = x.data, *restrict ws = w.data;
  float *restrict ys = y.data;
#pragma omp parallel for schedule(static) num_threads(openblas_get_num_threads()) if (g.output > PARALLEL_MIN_VALUES)
  for (int64_t row = 0; row < rows; row++) {
    const int64_t b = row / g.out_h, oh = row % g.out_h;
    for (int64_t ow = 0; ow < g.out_w; ow++) {
      float *restrict out = ys + ((b * g.out_h + oh) * g.out_w + ow) * channels;
      for (int64_t c = 0; c < channels; c++) out[c] = 0.0f;
      for (int64_t kh = 0; kh < g.k_h; kh++) {
        const int64_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
        if (ih < 0 || ih >= g.in_h) continue;
        for (int64_t kw = 0; kw < g.k_w; kw++) {
          const int64_t iw = ow * g.stride_w + kw * g.dilation_w - g.pad_left;
          if (iw < 0 || iw >= g.in_w) continue;
          const float *restrict in = xs + ((b * g.in_h + ih) * g.in_w + iw) * channels;
          const float *restrict weights = ws + (kh * g.k_w + kw) * channels;
          for (int64_t c = 0; c < channels; c++) out[c] += in[c] * weights[c];
        }
      }
    }
  }
  return NULL;
}

// What an operand of the epilogue covers: nothing, one value, one per channel, one per value.
enum spread { NONE = -1, SCALAR = 0, CHANNEL = 1, VALUE = 2 };

enum activation { LINEAR = 0, RELU = 1, RELU6 = 2, LEAKY_RELU = 3, PRELU = 4, ELU = 5, SIGMOID = 6 };

// The value of operand `v` (spread `kind`) at flat index i, channel c.
static inline float at(const float *v, int kind, size_t i, size_t c) {
  return kind == SCALAR ? v[0] : kind == CHANNEL ? v[c] : v[i];
}

// One row of the epilogue with per-channel operands `b` (bias, added when `biased`) and `p`
// (slopes). Every case computes both sides and selects (no branch per value, see prelu in
// elementwise.c), in a function of its own with non-aliasing pointers so the compiler vectorises.
static inline void epilogue_row(float *restrict row, const float *restrict b, const float *restrict p, size_t width,
                                int biased, int act, float leaky) {
  if (biased)
    for (size_t c = 0; c < width; c++) row[c] += b[c];
  switch (act) {
    case RELU:
      for (size_t c = 0; c < width; c++) row[c] = row[c] < 0 ? 0.0f : row[c];
      break;
    case RELU6:
      for (size_t c = 0; c < width; c++) {
        const float v = row[c], low = v < 0 ? 0.0f : v;
        row[c] = v > 6 ? 6.0f : low;
      }
      break;
    case LEAKY_RELU:
      for (size_t c = 0; c < width; c++) {
        const float v = row[c], scaled = leaky * v;
        row[c] = v < 0 ? scaled : v;
      }
      break;
    case PRELU:
      for (size_t c = 0; c < width; c++) {
        const float v = row[c], scaled = p[c] * v;
        row[c] = v < 0 ? scaled : v;
      }
      break;
    default:
      break;
  }
}

int channel_epilogue(float *ys, int64_t rows, size_t width, const float *bias, int bias_kind, int act,
                            const float *slopes, int slopes_kind, float leaky) {
  float *spread = malloc(2 * width * sizeof(float));
  if (spread == NULL) return 0;
  float *b = spread, *p = spread + width;
  for (size_t c = 0; c < width; c++) {
    b[c] = bias_kind == SCALAR ? bias[0] : bias_kind == CHANNEL ? bias[c] : 0.0f;
    p[c] = slopes_kind == SCALAR ? slopes[0] : slopes_kind == CHANNEL ? slopes[c] : 0.0f;
  }
  const int biased = bias_kind != NONE;
#pragma omp parallel for schedule(static) if ((size_t)rows * width > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < rows; r++) epilogue_row(ys + (size_t)r * width, b, p, width, biased, act, leaky);
  free(spread);
  return 1;
}

// A signed integer argument (the layouts use -1 for "none").
static int get_signed(napi_env env, napi_value value, const char *name, int64_t *out) {
  if (napi_get_value_int64(env, value, out) == napi_ok) return 1;
  char message[96];
  snprintf(message, sizeof message, "%s must be an integer", name);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

// biasActivation(y, bias, biasKind, activation, weights, weightsKind, leakyAlpha, channels): in
// place, y = activation(y + bias), as tfjs's fused kernels define each activation (NaN stays NaN).
// `weights` are PReLU's slopes. Unused operands may be empty arrays with kind -1.
napi_value bctkit_bias_activation(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats y, bias, weights;
  int64_t bias_kind, act, weights_kind, channels;
  double alpha;
  if (argc < 8 || !get_floats(env, args[0], "y", &y) || !get_floats(env, args[1], "bias", &bias) ||
      !get_signed(env, args[2], "biasKind", &bias_kind) || !get_signed(env, args[3], "activation", &act) ||
      !get_floats(env, args[4], "weights", &weights) || !get_signed(env, args[5], "weightsKind", &weights_kind) ||
      !get_int(env, args[7], "channels", &channels))
    return NULL;
  if (napi_get_value_double(env, args[6], &alpha) != napi_ok) {
    napi_throw_type_error(env, NULL, "leakyAlpha must be a number");
    return NULL;
  }
  const size_t n = y.length, width = (size_t)channels;
  const size_t wanted[3] = {1, width, n};
  if (channels < 1 || n % width != 0 || act < LINEAR || act > SIGMOID || bias_kind < NONE || bias_kind > VALUE ||
      weights_kind < NONE || weights_kind > VALUE || (act == PRELU && weights_kind == NONE)) {
    napi_throw_range_error(env, NULL, "biasActivation: unknown activation or operand layout");
    return NULL;
  }
  if ((bias_kind != NONE && !check_length(env, &bias, wanted[bias_kind], "bias")) ||
      (weights_kind != NONE && !check_length(env, &weights, wanted[weights_kind], "weights")))
    return NULL;
  float *restrict ys = y.data;
  const float *restrict bs = bias.data, *restrict ps = weights.data;
  const float slope = (float)alpha;
  const int64_t rows = (int64_t)(n / width);
  if (bias_kind != VALUE && weights_kind != VALUE && act <= PRELU &&
      channel_epilogue(ys, rows, width, bs, (int)bias_kind, (int)act, ps, (int)weights_kind, slope))
    return NULL;
#pragma omp parallel for schedule(static) if (n > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < rows; r++) {
    for (size_t c = 0, i = (size_t)r * width; c < width; c++, i++) {
      float v = ys[i];
      if (bias_kind != NONE) v += at(bs, (int)bias_kind, i, c);
      switch (act) {
        case RELU: v = v < 0 ? 0.0f : v; break;
        case RELU6: v = v > 6 ? 6.0f : (v < 0 ? 0.0f : v); break;
        case LEAKY_RELU: v = v < 0 ? slope * v : v; break;
        case PRELU: v = v < 0 ? at(ps, (int)weights_kind, i, c) * v : v; break;
        case ELU: v = v >= 0 ? v : expm1f(v); break;
        case SIGMOID: v = 1.0f / (1.0f + expf(-v)); break;
        default: break;
      }
      ys[i] = v;
    }
  }
  return NULL;
}

// unary(operation, x, out): 0 relu (x < 0 ? 0 : x, NaN stays NaN), 1 absolute value.
napi_value bctkit_unary(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int64_t op;
  floats x, out;
  if (argc < 3 || !get_int(env, args[0], "operation", &op) || !get_floats(env, args[1], "x", &x) ||
      !get_floats(env, args[2], "out", &out))
    return NULL;
  if (op > 1) {
    napi_throw_range_error(env, NULL, "unary: operation 0 (relu) or 1 (abs)");
    return NULL;
  }
  if (!check_length(env, &out, x.length, "out")) return NULL;
  const float *restrict xs = x.data;
  float *restrict ys = out.data;
  const int64_t n = (int64_t)x.length;
  if (op == 0) {
#pragma omp parallel for schedule(static) if (n > PARALLEL_MIN_VALUES)
    for (int64_t i = 0; i < n; i++) ys[i] = xs[i] < 0 ? 0.0f : xs[i];
  } else {
#pragma omp parallel for schedule(static) if (n > PARALLEL_MIN_VALUES)
    for (int64_t i = 0; i < n; i++) ys[i] = fabsf(xs[i]);
  }
  return NULL;
}
