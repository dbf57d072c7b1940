// Scoring kernels for verification and identification: dot products of many row pairs (IJB-C
// template pairs) bit-identical to bctkit's JavaScript, and a radix sort of float32 scores.
#include "kernels.h"

#include <sys/mman.h>

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

#if defined(__x86_64__)
#include <immintrin.h>

// Four pairs that share their left row `a`, given already widened to double, written out for
// AVX2 + FMA (the compiler's own vectorisation of pair_dot4 shuffles across lanes): lane j of pair
// q's register is accumulator j of pair q, so every addition is the one pair_dot makes, in the
// same order. A float product is exact in double, so the fused multiply-add rounds exactly as the
// separate multiply and add do: the same bits, with the left row converted once for all of its
// pairs instead of once per pair.
__attribute__((target("avx2,fma"))) static void shared_dot4_avx2(const double *a, const float *const b[4],
                                                                int64_t dim, float out[4]) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(),
          s3 = _mm256_setzero_pd();
  const int64_t unrolled = dim - dim % 4;
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  for (int64_t k = 0; k < unrolled; k += 4) {
    const __m256d x = _mm256_loadu_pd(a + k);
    s0 = _mm256_fmadd_pd(x, _mm256_cvtps_pd(_mm_loadu_ps(b0 + k)), s0);
    s1 = _mm256_fmadd_pd(x, _mm256_cvtps_pd(_mm_loadu_ps(b1 + k)), s1);
    s2 = _mm256_fmadd_pd(x, _mm256_cvtps_pd(_mm_loadu_ps(b2 + k)), s2);
    s3 = _mm256_fmadd_pd(x, _mm256_cvtps_pd(_mm_loadu_ps(b3 + k)), s3);
  }
  double s[4][4];
  _mm256_storeu_pd(s[0], s0);
  _mm256_storeu_pd(s[1], s1);
  _mm256_storeu_pd(s[2], s2);
  _mm256_storeu_pd(s[3], s3);
  for (int q = 0; q < 4; q++) {
    for (int64_t k = unrolled; k < dim; k++) s[q][0] += a[k] * (double)b[q][k];
    out[q] = (float)(s[q][0] + s[q][1] + (s[q][2] + s[q][3]));
  }
}
#endif

// Four pairs sharing the left row `row` (`wide`: the same row widened to double), on the fastest
// path this CPU has: shared_dot4_avx2, else pair_dot4 with the float row four times (same bits).
static void shared_dot4_best(const float *row, const double *wide, const float *const b[4], int64_t dim,
                             float out[4]) {
#if defined(__x86_64__)
  // The CPU's features are read once at load time; this only tests them.
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    shared_dot4_avx2(wide, b, dim, out);
    return;
  }
#endif
  (void)wide;
  const float *const a[4] = {row, row, row, row};
  pair_dot4(a, b, dim, out);
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

// The pairs of each group g (positions starts[g] to starts[g + 1] of the group order) share
// left row g % left_rows: out[positions[q]] = the dot of that row and right row rows_right[q].
// Each group's left row is widened to double once, and its pairs computed four at a time;
// threads take groups dynamically. Returns false when out of memory.
static bool dot_groups(const float *left, const float *right, int64_t cols, int64_t left_rows, int64_t groups,
                       const int64_t *starts, const int32_t *rows_right, const int32_t *positions, float *out) {
  bool ok = true;
#pragma omp parallel num_threads(scoring_threads())
  {
    double *wide = malloc((size_t)cols * sizeof(double));
    if (wide == NULL) {
#pragma omp atomic write
      ok = false;
    }
#pragma omp barrier
    if (ok) {
#pragma omp for schedule(dynamic, 512)
      for (int64_t g = 0; g < groups; g++) {
        const int64_t end = starts[g + 1];
        int64_t q = starts[g];
        if (q == end) continue;
        const float *a = left + (g % left_rows) * cols;
        for (int64_t k = 0; k < cols; k++) wide[k] = a[k];
        // Four pairs at a time; the last one to three fill the four by repeating the group's
        // last pair (computed again, not stored), cheaper than computing one pair alone.
        for (; q < end; q += 4) {
          const int64_t here = end - q < 4 ? end - q : 4;
          const float *b[4];
          float dots[4];
          for (int u = 0; u < 4; u++) b[u] = right + (int64_t)rows_right[q + (u < here ? u : here - 1)] * cols;
          shared_dot4_best(a, wide, b, cols, dots);
          for (int u = 0; u < here; u++) out[positions[q + u]] = dots[u];
        }
      }
    }
    free(wide);
  }
  return ok;
}

// Advises the kernel to back the aligned interior of a large output with huge pages before it is
// first written: scattered writes into it then miss the TLB far less. Advice only.
static void advise_huge_pages(void *memory, size_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  const uintptr_t start = ((uintptr_t)memory + huge - 1) & ~(huge - 1);
  const uintptr_t stop = ((uintptr_t)memory + bytes) & ~(huge - 1);
  if (stop > start) madvise((void *)start, stop - start, MADV_HUGEPAGE);
#else
  (void)memory;
  (void)bytes;
#endif
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

// The pairs of many random rows, visited in tile order: the right matrix is cut into blocks of
// rows that stay in the last-level cache, and a counting sort groups the pairs by (right block,
// left row), so that each block is read from cache by every left row's pairs in turn and each
// left row is widened once per block (dot_groups). Each pair's dot is the same computation as
// in the plain loop, so the result is bit-identical; only memory traffic and conversions change.
// Returns false (nothing done) when sorting does not pay: few pairs, few rows, or too many groups.
static bool pair_dots_tiled(const float *left, const float *right, int64_t cols, const int32_t *li,
                            const int32_t *ri, int64_t pairs, int64_t left_rows, int64_t right_rows,
                            float *out) {
  const int64_t tile = pair_tile_rows(cols);
  const int64_t right_tiles = (right_rows + tile - 1) / tile;
  const int64_t groups = right_tiles * left_rows;
  if (pairs < (1 << 16) || pairs > INT32_MAX || groups > (1 << 24) || groups > pairs ||
      (left_rows + right_rows) * cols * (int64_t)sizeof(float) < (8 << 20))
    return false;
  // A counting sort by group, in parallel: each thread counts its share of the pairs, the counts
  // become each thread's write positions in every group, and each thread places its share.
  const int max_parts = scoring_threads();
  int64_t *counts = calloc((size_t)max_parts * (size_t)groups, sizeof(int64_t));
  int64_t *starts = malloc(((size_t)groups + 1) * sizeof(int64_t));
  // Per pair in group order: its position in `out`, and its right row (read in sequence below).
  int32_t *order = scratch_alloc((size_t)pairs * 2 * sizeof(int32_t));
  if (counts == NULL || starts == NULL || order == NULL) {
    free(counts);
    free(starts);
    free(order);
    return false;
  }
  int32_t *group_right = order + pairs;
#pragma omp parallel num_threads(max_parts)
  {
    const int part = omp_get_thread_num(), parts = omp_get_num_threads();
    const int64_t first = pairs * part / parts, last = pairs * (part + 1) / parts;
    int64_t *mine = counts + (int64_t)part * groups;
    for (int64_t p = first; p < last; p++) mine[(ri[p] / tile) * left_rows + li[p]]++;
#pragma omp barrier
#pragma omp single
    {
      int64_t running = 0;
      for (int64_t g = 0; g < groups; g++) {
        starts[g] = running;
        for (int q = 0; q < parts; q++) {
          const int64_t here = counts[(int64_t)q * groups + g];
          counts[(int64_t)q * groups + g] = running;
          running += here;
        }
      }
      starts[groups] = running;
    }
    for (int64_t p = first; p < last; p++) {
      const int64_t at = mine[(ri[p] / tile) * left_rows + li[p]]++;
      order[at] = (int32_t)p;
      group_right[at] = ri[p];
    }
  }
  free(counts);
  advise_huge_pages(out, (size_t)pairs * sizeof(float));
  bool done = dot_groups(left, right, cols, left_rows, groups, starts, group_right, order, out);
  free(starts);
  free(order);
  return done;
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

// Sorts order keys ascending in place by a three-pass LSD radix sort on 11-bit digits, with
// `spare` (n keys) as the other buffer. Returns false when out of memory.
static bool radix_sort_keys(uint32_t *keys, size_t n, uint32_t *spare) {
  enum { DIGITS = 3, BITS = 11, BUCKETS = 1 << BITS };
  size_t *counts = calloc((size_t)DIGITS * BUCKETS, sizeof(size_t));
  if (counts == NULL) return false;
  for (size_t i = 0; i < n; i++)
    for (int d = 0; d < DIGITS; d++) counts[d * BUCKETS + ((keys[i] >> (d * BITS)) & (BUCKETS - 1))]++;
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
  // An odd number of passes leaves the sorted keys in the spare buffer.
  memcpy(keys, from, n * sizeof(uint32_t));
  free(counts);
  return true;
}

// sortFloat32(array): ascending, in place, by a radix sort of the order keys. NaNs are the
// caller's to exclude (their order is unspecified).
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
  for (size_t i = 0; i < n; i++) keys[i] = float_order_key(keys[i]);
  const bool sorted = spare != NULL && radix_sort_keys(keys, n, spare);
  for (size_t i = 0; i < n; i++) keys[i] = float_from_order_key(keys[i]);
  free(spare);
  if (!sorted) napi_throw_error(env, NULL, "sortFloat32: out of memory");
  return NULL;
}

static inline double key_value(uint32_t key) {
  const uint32_t bits = float_from_order_key(key);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

// The order keys of -0 and +0: different keys, equal scores.
#define NEGATIVE_ZERO_KEY 0x7fffffffu
#define POSITIVE_ZERO_KEY 0x80000000u

// A growing list of ROC points (threshold, tp, fp), in memory reserved for every distinct score
// and touched only as far as it is used (no copies as it grows).
typedef struct {
  double *values;
  size_t count, capacity;
} point_list;

static inline void push_point(point_list *list, double threshold, double tp, double fp) {
  double *point = list->values + 3 * list->count++;
  point[0] = threshold;
  point[1] = tp;
  point[2] = fp;
}

// rocPoints(scores: Float32Array, labels: Uint8Array, dropIntermediate: boolean): the ROC that
// bctkit's JavaScript rocCurve computes, with the same bits: [thresholds, tpr, fpr] as
// Float64Arrays (a first point at +Infinity) and the genuine and impostor counts. Returns
// undefined, doing nothing, for input the JavaScript must reject with its own message (a NaN
// score, a label other than 0 or 1, a class without pairs).
napi_value bctkit_roc_points(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats scores;
  bool is_typed = false, drop = true;
  napi_typedarray_type type;
  size_t label_count = 0;
  void *label_data = NULL;
  if (argc < 3 || !get_floats(env, args[0], "scores", &scores)) return NULL;
  napi_is_typedarray(env, args[1], &is_typed);
  if (!is_typed ||
      napi_get_typedarray_info(env, args[1], &type, &label_count, &label_data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || label_count != scores.length) {
    napi_throw_type_error(env, NULL, "labels must be a Uint8Array as long as the scores");
    return NULL;
  }
  CHECK(env, napi_get_value_bool(env, args[2], &drop));
  napi_value undefined;
  CHECK(env, napi_get_undefined(env, &undefined));
  const size_t total = scores.length;
  const uint8_t *labels = label_data;
  const uint32_t *bits = (const uint32_t *)scores.data;
  uint32_t *keys = scratch_alloc(total * sizeof(uint32_t));
  uint32_t *spare = scratch_alloc(total * sizeof(uint32_t));
  if (keys == NULL || spare == NULL) {
    free(keys);
    free(spare);
    napi_throw_error(env, NULL, "rocPoints: out of memory");
    return NULL;
  }
  size_t positives = 0, back = total;
  bool valid = true;
  // Genuine keys to the front, impostor keys to the back.
  for (size_t i = 0; i < total && valid; i++) {
    const uint32_t value = bits[i];
    if ((value & 0x7fffffffu) > 0x7f800000u || labels[i] > 1) valid = false;
    else if (labels[i] == 1) keys[positives++] = float_order_key(value);
    else keys[--back] = float_order_key(value);
  }
  const size_t negatives = total - positives;
  if (!valid || positives == 0 || negatives == 0) {
    free(keys);
    free(spare);
    return undefined;
  }
  // The impostors (nearly all pairs) are sorted in one part per thread, the genuine scores
  // beside them; the walk below merges the parts.
  enum { MAX_PARTS = 16 };
  int parts = scoring_threads();
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  if (negatives < ((size_t)1 << 16)) parts = 1;
  // Run q is keys[bound[q]] to keys[bound[q + 1] - 1]: run 0 the genuine keys, runs 1 to parts
  // the impostor parts.
  size_t bound[MAX_PARTS + 2];
  bound[0] = 0;
  for (int q = 0; q <= parts; q++) bound[q + 1] = positives + negatives * (size_t)q / (size_t)parts;
  bool ok = true;
#pragma omp parallel for schedule(dynamic, 1) num_threads(parts) if (parts > 1)
  for (int run = 0; run <= parts; run++) {
    const size_t from = bound[run], to = bound[run + 1];
    if (!radix_sort_keys(keys + from, to - from, spare + from)) {
#pragma omp atomic write
      ok = false;
    }
  }
  free(spare);
  // From the highest score down, one point per distinct score; scikit-learn's drop_intermediate
  // keeps the first and last points and every bend (see rocCurve in @bctkit/metrics). Keys order
  // as the scores do; key 0 (a NaN's) marks an exhausted part; -0 and +0 are one score, named +0
  // when a +0 is among them, as JavaScript's Math.max names it.
  // Each run's highest key not yet walked is keys[next[q]]; the run is done below keys[lowest[q]].
  int64_t next[MAX_PARTS + 1], lowest[MAX_PARTS + 1];
  for (int q = 0; q <= parts; q++) {
    lowest[q] = (int64_t)bound[q];
    next[q] = (int64_t)bound[q + 1] - 1;
  }
  // At most one point per pair, and one more.
  point_list kept = {scratch_alloc((total + 1) * 3 * sizeof(double)), 0, total + 1};
  if (kept.values == NULL) ok = false;
  double tp = 0, fp = 0, previous_tp = 0, previous_fp = 0, current_threshold = 0, current_tp = 0,
         current_fp = 0;
  size_t count = 0;
  while (ok) {
    uint32_t top = 0;
    for (int q = 0; q <= parts; q++)
      if (next[q] >= lowest[q] && keys[next[q]] > top) top = keys[next[q]];
    if (top == 0) break;
    const uint32_t alias = top == POSITIVE_ZERO_KEY ? NEGATIVE_ZERO_KEY : top;
    for (int q = 0; q <= parts; q++) {
      int64_t at = next[q];
      while (at >= lowest[q] && (keys[at] == top || keys[at] == alias)) at--;
      if (q == 0) tp += (double)(next[q] - at);
      else fp += (double)(next[q] - at);
      next[q] = at;
    }
    const double threshold = key_value(top);
    const bool bend = count == 1 || !drop || previous_fp - 2 * current_fp + fp != 0 ||
                      previous_tp - 2 * current_tp + tp != 0;
    if (count >= 1 && bend) push_point(&kept, current_threshold, current_tp, current_fp);
    previous_tp = current_tp;
    previous_fp = current_fp;
    current_threshold = threshold;
    current_tp = tp;
    current_fp = fp;
    count += 1;
  }
  if (ok) push_point(&kept, current_threshold, current_tp, current_fp);
  free(keys);
  if (!ok) {
    free(kept.values);
    napi_throw_error(env, NULL, "rocPoints: out of memory");
    return NULL;
  }
  const size_t points = kept.count + 1;
  napi_value arrays[3], result;
  double *columns[3];
  for (int c = 0; c < 3; c++) {
    napi_value buffer;
    if (napi_create_arraybuffer(env, points * sizeof(double), (void **)&columns[c], &buffer) != napi_ok ||
        napi_create_typedarray(env, napi_float64_array, points, buffer, 0, &arrays[c]) != napi_ok) {
      free(kept.values);
      return NULL;
    }
  }
  columns[0][0] = INFINITY;
  columns[1][0] = 0;
  columns[2][0] = 0;
  for (size_t k = 0; k < kept.count; k++) {
    columns[0][k + 1] = kept.values[3 * k];
    columns[1][k + 1] = kept.values[3 * k + 1] / (double)positives;
    columns[2][k + 1] = kept.values[3 * k + 2] / (double)negatives;
  }
  free(kept.values);
  napi_value counts[2];
  CHECK(env, napi_create_double(env, (double)positives, &counts[0]));
  CHECK(env, napi_create_double(env, (double)negatives, &counts[1]));
  CHECK(env, napi_create_array_with_length(env, 5, &result));
  for (int c = 0; c < 3; c++) CHECK(env, napi_set_element(env, result, (uint32_t)c, arrays[c]));
  CHECK(env, napi_set_element(env, result, 3, counts[0]));
  CHECK(env, napi_set_element(env, result, 4, counts[1]));
  return result;
}
