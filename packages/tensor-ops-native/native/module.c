// The add-on's module: registers every kernel under its JavaScript name, and reports
// OpenBLAS's thread count.
#include "kernels.h"

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(env, napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

// oneDNN's version when the convolutions run on it, else null.
static napi_value onednn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  const char *version = onednn_version();
  if (version == NULL) {
    CHECK(env, napi_get_null(env, &result));
  } else {
    CHECK(env, napi_create_string_utf8(env, version, NAPI_AUTO_LENGTH, &result));
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"conv2d", NULL, bctkit_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dFused", NULL, bctkit_conv2d_fused, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, bctkit_conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, bctkit_conv2d_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"matmul", NULL, bctkit_matmul, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, bctkit_binary, NULL, NULL, NULL, napi_default, NULL},
      {"channelSum", NULL, bctkit_channel_sum, NULL, NULL, NULL, napi_default, NULL},
      {"prelu", NULL, bctkit_prelu, NULL, NULL, NULL, napi_default, NULL},
      {"preluGrad", NULL, bctkit_prelu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, bctkit_batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormGrad", NULL, bctkit_batch_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormInference", NULL, bctkit_batch_norm_inference, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseConv2d", NULL, bctkit_depthwise_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"biasActivation", NULL, bctkit_bias_activation, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, bctkit_unary, NULL, NULL, NULL, napi_default, NULL},
      {"transpose", NULL, bctkit_transpose, NULL, NULL, NULL, napi_default, NULL},
      {"sgdStep", NULL, bctkit_sgd_step, NULL, NULL, NULL, napi_default, NULL},
      {"pairDots", NULL, bctkit_pair_dots, NULL, NULL, NULL, napi_default, NULL},
      {"sortFloat32", NULL, bctkit_sort_float32, NULL, NULL, NULL, napi_default, NULL},
      {"rocPoints", NULL, bctkit_roc_points, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
      {"onednn", NULL, onednn, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
