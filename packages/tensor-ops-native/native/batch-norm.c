// Batch normalisation over every axis but the last: training mode and its closed-form backward,
// and inference mode with moving statistics.
#include "kernels.h"

// batchNorm(x, gamma, beta, epsilon, y, mean, variance, inverseStd): training-mode batch
// normalisation over every axis but the last, in two passes: the statistics, then the output.
// The statistics are sums of (x - s) and (x - s)^2 in double precision, s being each channel's
// value in the first row, so the variance does not cancel away when the mean is large against
// the spread (it did in three passes before: one fewer read of x, measured 20 -> 15 ms on
// iResNet's [32, 112, 112, 64]).
napi_value bctkit_batch_norm(napi_env env, napi_callback_info info) {
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
  const float *xs = x.data;
  for (size_t k = 0; k < c; k++) shift[k] = xs[k];
  int ok = 1;
  PARALLEL_ROW_SUMS(ok, rows, 2 * c, sums, x.length, {
    double *partial_squares = partial + c;
    for (size_t r = first; r < last; r++)
      for (size_t k = 0; k < c; k++) {
        const double d = (double)xs[r * c + k] - shift[k];
        partial[k] += d;
        partial_squares[k] += d * d;
      }
  });
  if (!ok) {
    free(sums);
    free(shift);
    return throw_out_of_memory(env);
  }
  // y = (x - mean) * scale + beta with scale = gamma / std.
  float *scale = shift;
  for (size_t k = 0; k < c; k++) {
    const double offset = sums[k] / (double)rows;  // mean - shift
    mean.data[k] = (float)(shift[k] + offset);
    const double spread = squares[k] / (double)rows - offset * offset;
    variance.data[k] = (float)(spread < 0 ? 0 : spread);  // rounding can leave -0.0...; NaN stays
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
napi_value bctkit_batch_norm_grad(napi_env env, napi_callback_info info) {
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


// batchNormInference(x, mean, factor, offset, y): inference-mode batch normalisation with the
// moving statistics folded per channel, y = (x - mean) * factor + offset, where the caller
// computes factor = scale / sqrt(variance + epsilon). One pass, rows split over the threads.
napi_value bctkit_batch_norm_inference(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, mean, factor, offset, y;
  if (argc < 5 || !get_floats(env, args[0], "x", &x) || !get_floats(env, args[1], "mean", &mean) ||
      !get_floats(env, args[2], "factor", &factor) || !get_floats(env, args[3], "offset", &offset) ||
      !get_floats(env, args[4], "y", &y))
    return NULL;
  const size_t c = mean.length;
  if (c == 0 || x.length % c != 0) {
    napi_throw_range_error(env, NULL, "x must hold a whole number of rows of mean.length values");
    return NULL;
  }
  if (!check_length(env, &factor, c, "factor") || !check_length(env, &offset, c, "offset") ||
      !check_length(env, &y, x.length, "y"))
    return NULL;
  const float *xs = x.data, *ms = mean.data, *fs = factor.data, *os = offset.data;
  float *ys = y.data;
#pragma omp parallel for schedule(static) if (x.length > PARALLEL_MIN_VALUES)
  for (int64_t r = 0; r < (int64_t)(x.length / c); r++)
    for (size_t k = 0, i = (size_t)r * c; k < c; k++) ys[i + k] = (xs[i + k] - ms[k]) * fs[k] + os[k];
  return NULL;
}
