// Shared declarations of the native kernels: the argument types and checks every entry point
// uses, the OpenMP helpers, and the N-API entry points module.c registers. Each concern is a file
// of its own: arguments.c, convolution.c, products.c, elementwise.c, batch-norm.c, scoring.c.
#ifndef BCTKIT_KERNELS_H
#define BCTKIT_KERNELS_H

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

enum extent { IMAGE, FILTER, OUTPUT };

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

// ---- Argument checking (arguments.c): each returns 0 (or NULL) after throwing a JS error ----

// A Float32Array argument named `name` (for the message).
int get_floats(napi_env env, napi_value value, const char *name, floats *out);
// An Int32Array argument's values and length; 0, without throwing, when it is not one (the
// caller says what it expected).
int get_int32s(napi_env env, napi_value value, const int32_t **data, size_t *length);
// A convolution geometry (Int32Array of 15 values), its derived sizes checked for overflow.
int get_geometry(napi_env env, napi_value value, geometry *g);
// That `f` holds exactly `want` values.
int check_length(napi_env env, const floats *f, size_t want, const char *name);
// The four arguments of the convolution entry points: three Float32Arrays whose sizes are those
// `extents` give for the geometry, then the geometry.
int get_conv_arguments(napi_env env, napi_callback_info info, const char *const names[3],
                       const enum extent extents[3], floats arrays[3], geometry *g);
// A non-negative integer argument.
int get_int(napi_env env, napi_value value, const char *name, int64_t *out);
// Throws "out of memory" for a scratch buffer and returns NULL.
napi_value throw_out_of_memory(napi_env env);
// Scratch of `bytes`: for large buffers, aligned to 2 MiB and marked for transparent huge pages,
// so first use faults in 2 MiB pages instead of 4 KiB ones (on the virtual machines bctkit is
// measured on a 4 KiB fault costs about 10 us: 3 ms per megabyte of fresh memory). Free with free().
void *scratch_alloc(size_t bytes);

// ---- Entry points, registered by module.c ----

napi_value bctkit_conv2d(napi_env env, napi_callback_info info);
napi_value bctkit_conv2d_fused(napi_env env, napi_callback_info info);
napi_value bctkit_conv2d_backprop_input(napi_env env, napi_callback_info info);
napi_value bctkit_conv2d_backprop_filter(napi_env env, napi_callback_info info);
napi_value bctkit_matmul(napi_env env, napi_callback_info info);
napi_value bctkit_binary(napi_env env, napi_callback_info info);
napi_value bctkit_channel_sum(napi_env env, napi_callback_info info);
napi_value bctkit_prelu(napi_env env, napi_callback_info info);
napi_value bctkit_prelu_grad(napi_env env, napi_callback_info info);
napi_value bctkit_batch_norm(napi_env env, napi_callback_info info);
napi_value bctkit_batch_norm_grad(napi_env env, napi_callback_info info);
napi_value bctkit_batch_norm_inference(napi_env env, napi_callback_info info);

// ---- Graph-model kernels (graph-ops.c) ----

napi_value bctkit_depthwise_conv2d(napi_env env, napi_callback_info info);
napi_value bctkit_bias_activation(napi_env env, napi_callback_info info);
napi_value bctkit_unary(napi_env env, napi_callback_info info);
// In place over `rows` rows of `width` channels: y = activation(y + bias) when the bias and slopes
// are each absent (kind -1), one value (0) or one per channel (1), and the activation is linear
// (0), relu (1), relu6 (2), leaky relu (3, slope `leaky`) or prelu (4): scalars spread to one per
// channel, then one vectorised pass. Returns 0 (nothing done) when out of memory for the spread.
int channel_epilogue(float *ys, int64_t rows, size_t width, const float *bias, int bias_kind, int act,
                     const float *slopes, int slopes_kind, float leaky);

// ---- Layout changes (layout.c) ----

napi_value bctkit_transpose(napi_env env, napi_callback_info info);

// ---- Optimiser steps (optimiser.c) ----

napi_value bctkit_sgd_step(napi_env env, napi_callback_info info);

// ---- oneDNN convolutions (onednn.c): 1 when oneDNN did the work, 0 to take the add-on's own path ----

int onednn_conv_forward(const geometry *g, const float *x, const float *w, float *y);
// The forward convolution plus a bias per output channel (NULL: none) and an activation, inside
// oneDNN's kernel: FUSED_LINEAR, FUSED_RELU, FUSED_LEAKY_RELU (slope leaky_alpha) or FUSED_PRELU
// (slopes `prelu`, one per output channel, or one in all when prelu_shared).
enum { FUSED_LINEAR = 0, FUSED_RELU = 1, FUSED_LEAKY_RELU = 3, FUSED_PRELU = 4 };
int onednn_conv_forward_fused(const geometry *g, const float *x, const float *w, const float *bias, int activation,
                              float leaky_alpha, const float *prelu, int prelu_shared, float *y);
int onednn_conv_backward_data(const geometry *g, const float *dy, const float *w, float *dx);
int onednn_conv_backward_weights(const geometry *g, const float *x, const float *dy, float *dw);
// oneDNN's version ("2.6.3") when the add-on was built with it and it is not switched off, else NULL.
const char *onednn_version(void);
napi_value bctkit_pair_dots(napi_env env, napi_callback_info info);
napi_value bctkit_sort_float32(napi_env env, napi_callback_info info);
napi_value bctkit_roc_points(napi_env env, napi_callback_info info);

#endif
