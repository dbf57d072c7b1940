// Argument checking shared by every entry point: typed arrays, convolution geometries and
// integers from JavaScript, checked before any kernel reads or writes (see checked-size.h).
#include "kernels.h"

#include <sys/mman.h>

int get_floats(napi_env env, napi_value value, const char *name, floats *out) {
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

int get_int32s(napi_env env, napi_value value, const int32_t **data, size_t *length) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type type;
  void *values = NULL;
  if (!is_typed || napi_get_typedarray_info(env, value, &type, length, &values, NULL, NULL) != napi_ok ||
      type != napi_int32_array)
    return 0;
  *data = (const int32_t *)values;
  return 1;
}

int get_geometry(napi_env env, napi_value value, geometry *g) {
  const int32_t *v = NULL;
  size_t length = 0;
  if (!get_int32s(env, value, &v, &length) || length != 15) {
    napi_throw_type_error(env, NULL, "geometry must be an Int32Array of 15 values");
    return 0;
  }
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

int check_length(napi_env env, const floats *f, size_t want, const char *name) {
  if (f->length == want) return 1;
  char message[160];
  snprintf(message, sizeof message, "%s has %zu values, expected %zu", name, f->length, want);
  napi_throw_range_error(env, NULL, message);
  return 0;
}

// The four arguments of the convolution entry points: three Float32Arrays named `names`, whose
// sizes must be those `extents` give for the geometry, then the geometry. 0 after throwing.
int get_conv_arguments(napi_env env, napi_callback_info info, const char *const names[3],
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

napi_value throw_out_of_memory(napi_env env) {
  napi_throw_error(env, NULL, "out of memory for the convolution's column buffer");
  return NULL;
}

int get_int(napi_env env, napi_value value, const char *name, int64_t *out) {
  if (napi_get_value_int64(env, value, out) != napi_ok || *out < 0) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a non-negative integer", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}


void *scratch_alloc(size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  if (bytes < 2 * huge) return malloc(bytes);
  void *memory = NULL;
  if (posix_memalign(&memory, huge, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages are ordinary
#endif
  return memory;
}
