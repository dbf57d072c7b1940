// Layout changes: transpose (any permutation of up to 8 axes) of float32 arrays.
//
// tfjs's cpu transpose works out every element's index from its coordinates (about 75 ns per
// value on iResNet's [32, 7, 7, 512] -> [32, 512, 7, 7] flattening, 60 ms a call). Here the axes
// are first simplified (size-1 axes dropped, axes that stay neighbours in the same order merged),
// then the output is written in order, whole rows at a time, each row a strided read of the input.
#include "kernels.h"

#define MAX_AXES 8

// Reads an Int32Array argument of at most MAX_AXES non-negative values.
static int get_axes(napi_env env, napi_value value, const char *name, int64_t *out, size_t *count) {
  const int32_t *values = NULL;
  size_t length = 0;
  if (!get_int32s(env, value, &values, &length) || length > MAX_AXES) {
    char message[96];
    snprintf(message, sizeof message, "%s must be an Int32Array of at most %d values", name, MAX_AXES);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  for (size_t i = 0; i < length; i++) {
    if (values[i] < 0) {
      char message[96];
      snprintf(message, sizeof message, "%s must hold non-negative values", name);
      napi_throw_range_error(env, NULL, message);
      return 0;
    }
    out[i] = values[i];
  }
  *count = length;
  return 1;
}

// transpose(x, shape, perm, out): out axis i is x's axis perm[i] (x of `shape`, row-major).
napi_value bctkit_transpose(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats x, out;
  int64_t shape[MAX_AXES], perm[MAX_AXES];
  size_t rank = 0, perm_count = 0;
  if (argc < 4 || !get_floats(env, args[0], "x", &x) || !get_axes(env, args[1], "shape", shape, &rank) ||
      !get_axes(env, args[2], "perm", perm, &perm_count) || !get_floats(env, args[3], "out", &out))
    return NULL;
  int seen[MAX_AXES] = {0};
  int valid = perm_count == rank;
  for (size_t i = 0; valid && i < rank; i++) valid = perm[i] < (int64_t)rank && !seen[perm[i]]++;
  if (!valid) {
    napi_throw_range_error(env, NULL, "perm must be a permutation of the axes of shape");
    return NULL;
  }
  size_t total = 1;
  for (size_t i = 0; i < rank; i++) {
    if (shape[i] != 0 && total > MAX_FLOATS / (size_t)shape[i]) {
      napi_throw_range_error(env, NULL, "shape has too many values");
      return NULL;
    }
    total *= (size_t)shape[i];
  }
  if (!check_length(env, &x, total, "x") || !check_length(env, &out, total, "out")) return NULL;
  if (total == 0) return NULL;

  // Each input axis's stride, then the output's axes as (size, input stride), simplified.
  int64_t in_stride[MAX_AXES];
  for (size_t i = rank, s = 1; i-- > 0;) {
    in_stride[i] = (int64_t)s;
    s *= (size_t)shape[i];
  }
  int64_t size[MAX_AXES], stride[MAX_AXES];
  size_t axes = 0;
  for (size_t i = 0; i < rank; i++) {
    const int64_t n = shape[perm[i]], s = in_stride[perm[i]];
    if (n == 1) continue;
    if (axes > 0 && stride[axes - 1] == s * n) {  // still contiguous with the previous axis
      size[axes - 1] *= n;
      stride[axes - 1] = s;
    } else {
      size[axes] = n;
      stride[axes] = s;
      axes++;
    }
  }
  if (axes == 0 || (axes == 1 && stride[0] == 1)) {  // nothing moves
    memcpy(out.data, x.data, total * sizeof(float));
    return NULL;
  }
  const int64_t row = size[axes - 1], row_stride = stride[axes - 1];
  const int64_t rows = (int64_t)(total / (size_t)row);
  const float *restrict xs = x.data;
  float *restrict ys = out.data;
#pragma omp parallel if (total > PARALLEL_MIN_VALUES)
  {
    const int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
    const int64_t first = rows * t / threads, last = rows * (t + 1) / threads;
    // The coordinates of row `first` over the outer axes, and its input offset.
    int64_t at[MAX_AXES] = {0}, offset = 0;
    for (int64_t a = (int64_t)axes - 2, r = first; a >= 0; a--) {
      at[a] = r % size[a];
      r /= size[a];
      offset += at[a] * stride[a];
    }
    for (int64_t r = first; r < last; r++) {
      float *restrict target = ys + r * row;
      const float *restrict source = xs + offset;
      if (row_stride == 1) {
        memcpy(target, source, (size_t)row * sizeof(float));
      } else {
        for (int64_t k = 0; k < row; k++) target[k] = source[k * row_stride];
      }
      for (int64_t a = (int64_t)axes - 2; a >= 0; a--) {  // the next row's coordinates
        offset += stride[a];
        if (++at[a] < size[a]) break;
        offset -= at[a] * stride[a];
        at[a] = 0;
      }
    }
  }
  return NULL;
}
