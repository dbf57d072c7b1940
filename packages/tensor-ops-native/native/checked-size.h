// Checked size arithmetic for the add-on's argument checks. Sizes come from JavaScript (geometry
// Int32Arrays, counts) and are multiplied before anything is read or written: an unchecked
// product can wrap to a small number, pass the length checks against empty arrays, and let a
// kernel write past its buffers. BLAS takes its dimensions as 32-bit ints, so those are also
// bounded by INT_MAX.
#ifndef BCTKIT_CHECKED_SIZE_H
#define BCTKIT_CHECKED_SIZE_H

#include <limits.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

// Largest element count of a float buffer whose byte size still fits an int64_t.
#define MAX_FLOATS (INT64_MAX / 8)

// The product of `count` non-negative factors into *out, when it is at most `limit`. Otherwise
// throws a RangeError naming `what` and returns 0.
static inline int checked_product(napi_env env, const char *what, int64_t limit, int count,
                                  const int64_t *factors, int64_t *out) {
  int64_t product = 1;
  for (int i = 0; i < count; i++) {
    if (factors[i] < 0 || __builtin_mul_overflow(product, factors[i], &product) || product > limit) {
      char message[160];
      snprintf(message, sizeof message, "%s is too large (more than %lld)", what, (long long)limit);
      napi_throw_range_error(env, NULL, message);
      return 0;
    }
  }
  *out = product;
  return 1;
}

#define PRODUCT_OF(env, what, limit, out, ...)                                                      \
  checked_product((env), (what), (limit), (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                  (int64_t[]){__VA_ARGS__}, (out))

#endif
