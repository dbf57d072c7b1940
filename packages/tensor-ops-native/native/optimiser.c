// One step of stochastic gradient descent with momentum and weight decay (PyTorch's SGD: no
// dampening, not Nesterov) over a parameter, in one pass:
//
//   d = g + weightDecay * w;  buf' = first ? d : momentum * buf + d;  w' = w - lr * buf'
//
// each operation rounded to float32 in that order, so the result has the bits of the same
// formula run as separate tfjs element-wise ops (tested). Six passes over the parameter became
// one, reading w, g and buf and writing w' and buf'.
#include "kernels.h"

// Contraction into fused multiply-adds would round once where the separate ops round twice.
__attribute__((optimize("fp-contract=off"))) static void sgd_range(const float *restrict w,
                                                                    const float *restrict g,
                                                                    const float *restrict buf, float *restrict w_out,
                                                                    float *restrict buf_out, size_t n, float lr,
                                                                    float momentum, float decay, int first) {
  if (first) {
    for (size_t i = 0; i < n; i++) {
      const float scaled = decay * w[i];
      const float d = g[i] + scaled;
      buf_out[i] = d;
      const float step = lr * d;
      w_out[i] = w[i] - step;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const float scaled = decay * w[i];
      const float d = g[i] + scaled;
      const float kept = momentum * buf[i];
      const float b = kept + d;
      buf_out[i] = b;
      const float step = lr * b;
      w_out[i] = w[i] - step;
    }
  }
}

// sgdStep(w, g, buf, wOut, bufOut, learningRate, momentum, weightDecay, first): the step above;
// `buf` is not read when `first` (its length must still match).
napi_value bctkit_sgd_step(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  floats w, g, buf, w_out, buf_out;
  double lr, momentum, decay;
  bool first = false;
  if (argc < 9 || !get_floats(env, args[0], "w", &w) || !get_floats(env, args[1], "g", &g) ||
      !get_floats(env, args[2], "buf", &buf) || !get_floats(env, args[3], "wOut", &w_out) ||
      !get_floats(env, args[4], "bufOut", &buf_out))
    return NULL;
  if (napi_get_value_double(env, args[5], &lr) != napi_ok || napi_get_value_double(env, args[6], &momentum) != napi_ok ||
      napi_get_value_double(env, args[7], &decay) != napi_ok || napi_get_value_bool(env, args[8], &first) != napi_ok) {
    napi_throw_type_error(env, NULL, "learningRate, momentum and weightDecay must be numbers, first a boolean");
    return NULL;
  }
  if (!check_length(env, &g, w.length, "g") || !check_length(env, &buf, w.length, "buf") ||
      !check_length(env, &w_out, w.length, "wOut") || !check_length(env, &buf_out, w.length, "bufOut"))
    return NULL;
  const size_t n = w.length;
  const float flr = (float)lr, fmomentum = (float)momentum, fdecay = (float)decay;
  // Each thread one run of values (memory-bound: more than one thread only for large parameters).
#pragma omp parallel if (n > PARALLEL_MIN_VALUES)
  {
    const size_t t = (size_t)omp_get_thread_num(), threads = (size_t)omp_get_num_threads();
    const size_t from = n * t / threads, to = n * (t + 1) / threads;
    sgd_range(w.data + from, g.data + from, buf.data + from, w_out.data + from, buf_out.data + from, to - from, flr,
              fmomentum, fdecay, first);
  }
  return NULL;
}
