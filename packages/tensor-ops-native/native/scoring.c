// Scoring kernels for verification and identification: dot products of many row pairs (IJB-C
// template pairs) bit-identical to bctkit's JavaScript, and a radix sort of float32 scores.
#include "kernels.h"

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
  int32_t *order = scratch_alloc((size_t)pairs * 3 * sizeof(int32_t));
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
napi_value bctkit_pair_dots(napi_env env, napi_callback_info info) {
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
napi_value bctkit_sort_float32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats array;
  if (argc < 1 || !get_floats(env, args[0], "array", &array)) return NULL;
  const size_t n = array.length;
  if (n < 2) return NULL;
  uint32_t *keys = (uint32_t *)array.data;
  uint32_t *spare = scratch_alloc(n * sizeof(uint32_t));
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

