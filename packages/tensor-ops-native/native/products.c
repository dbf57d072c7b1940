// Batched matrix products for tfjs's BatchMatMul on the system OpenBLAS (sgemm).
//
//   matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB)
#include "kernels.h"

// matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB): c[i] = op(a[i]) . op(b[i]) for
// i < max(batchA, batchB), where a batch of 1 is shared by every product.
napi_value bctkit_matmul(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats a, b, c;
  int64_t batch_a, batch_b, m, n, k;
  bool trans_a = false, trans_b = false;
  if (argc < 10 || !get_floats(env, args[0], "a", &a) || !get_floats(env, args[1], "b", &b) ||
      !get_floats(env, args[2], "c", &c) || !get_int(env, args[3], "batchA", &batch_a) ||
      !get_int(env, args[4], "batchB", &batch_b) || !get_int(env, args[5], "m", &m) ||
      !get_int(env, args[6], "n", &n) || !get_int(env, args[7], "k", &k))
    return NULL;
  napi_get_value_bool(env, args[8], &trans_a);
  napi_get_value_bool(env, args[9], &trans_b);
  if (batch_a != batch_b && batch_a != 1 && batch_b != 1) {
    napi_throw_range_error(env, NULL, "batch sizes must be equal or one of them 1");
    return NULL;
  }
  // A batch of 1 is shared by the other's products; a batch of 0 (with a shared 1) has none.
  const int64_t batch = batch_a == 0 || batch_b == 0 ? 0 : batch_a > batch_b ? batch_a : batch_b;
  int64_t a_size, b_size, c_size, stacked_rows;
  if (!PRODUCT_OF(env, "a (batchA x m x k)", MAX_FLOATS, &a_size, batch_a, m, k) ||
      !PRODUCT_OF(env, "b (batchB x k x n)", MAX_FLOATS, &b_size, batch_b, k, n) ||
      !PRODUCT_OF(env, "c (batch x m x n)", MAX_FLOATS, &c_size, batch, m, n) ||
      !PRODUCT_OF(env, "m", INT_MAX, &stacked_rows, m) || !PRODUCT_OF(env, "n", INT_MAX, &stacked_rows, n) ||
      !PRODUCT_OF(env, "k", INT_MAX, &stacked_rows, k) ||
      !check_length(env, &a, (size_t)a_size, "a") || !check_length(env, &b, (size_t)b_size, "b") ||
      !check_length(env, &c, (size_t)c_size, "c"))
    return NULL;
  if (k == 0) {
    memset(c.data, 0, c.length * sizeof(float));
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  const int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  // A shared right-hand side with a plain left one: one product over the stacked rows.
  if (batch_b == 1 && batch_a > 1 && !trans_a && batch_a * m <= INT_MAX) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, batch_a * m, n, k, 1.0f,
                a.data, k, b.data, ldb, 0.0f, c.data, n);
    return NULL;
  }
  for (int64_t i = 0; i < batch; i++) {
    const float *ai = a.data + (batch_a == 1 ? 0 : i * m * k);
    const float *bi = b.data + (batch_b == 1 ? 0 : i * k * n);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, ai, lda, bi, ldb, 0.0f, c.data + i * m * n, n);
  }
  return NULL;
}

