// N-API binding: decode one JPEG (baseline or progressive) with the system libjpeg (Debian builds
// it from libjpeg-turbo) into 8-bit grey or RGB pixels. Same library as PIL on Debian, so the
// pixels are identical to PIL's.
#include <node_api.h>
#include <setjmp.h>
#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define MAX_PIXELS (64u * 1024u * 1024u)

typedef struct {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} error_state;

static void on_error(j_common_ptr info) {
  error_state *state = (error_state *)info->err;
  (*info->err->format_message)(info, state->message);
  longjmp(state->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
  // Warnings (level -1), e.g. premature end of data, make the image invalid: treat as errors,
  // as PIL does unless told to load truncated images.
  if (level < 0) {
    error_state *state = (error_state *)info->err;
    (*info->err->format_message)(info, state->message);
    longjmp(state->jump, 1);
  }
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "BCTKIT_JPEG_DECODE", message);
  return NULL;
}

static napi_value set_number(napi_env env, napi_value object, const char *key, double value) {
  napi_value number;
  napi_create_double(env, value, &number);
  napi_set_named_property(env, object, key, number);
  return object;
}

// decode(bytes: Uint8Array): { data: Uint8Array, width, height, channels }
static napi_value decode(napi_env env, napi_callback_info callback) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, callback, &argc, argv, NULL, NULL);
  bool is_typed_array = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed_array) != napi_ok || !is_typed_array) {
    return throw_error(env, "expected a Uint8Array of JPEG bytes");
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value arraybuffer;
  size_t byte_offset;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, &arraybuffer, &byte_offset);
  if (type != napi_uint8_array) return throw_error(env, "expected a Uint8Array of JPEG bytes");

  struct jpeg_decompress_struct info;
  error_state state;
  info.err = jpeg_std_error(&state.base);
  state.base.error_exit = on_error;
  state.base.emit_message = on_message;
  state.message[0] = '\0';
  unsigned char *pixels = NULL;
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&info);
    free(pixels);
    char text[JMSG_LENGTH_MAX + 32];
    snprintf(text, sizeof text, "libjpeg: %s", state.message);
    return throw_error(env, text);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, (const unsigned char *)data, (unsigned long)length);
  jpeg_read_header(&info, TRUE);
  const int grey = info.num_components == 1;
  info.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  if ((size_t)info.image_width * info.image_height > MAX_PIXELS) {
    snprintf(state.message, sizeof state.message, "image of %ux%u pixels exceeds the limit", info.image_width, info.image_height);
    longjmp(state.jump, 1);
  }
  jpeg_start_decompress(&info);
  const size_t stride = (size_t)info.output_width * info.output_components;
  const size_t size = stride * info.output_height;
  pixels = malloc(size > 0 ? size : 1);
  if (pixels == NULL) {
    snprintf(state.message, sizeof state.message, "out of memory");
    longjmp(state.jump, 1);
  }
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = pixels + (size_t)info.output_scanline * stride;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  const unsigned width = info.output_width;
  const unsigned height = info.output_height;
  const int channels = info.output_components;
  jpeg_destroy_decompress(&info);

  napi_value buffer;
  void *buffer_data;
  if (napi_create_arraybuffer(env, size, &buffer_data, &buffer) != napi_ok) {
    free(pixels);
    return throw_error(env, "cannot allocate the pixel buffer");
  }
  memcpy(buffer_data, pixels, size);
  free(pixels);
  napi_value array;
  napi_create_typedarray(env, napi_uint8_array, size, buffer, 0, &array);
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "data", array);
  set_number(env, result, "width", width);
  set_number(env, result, "height", height);
  set_number(env, result, "channels", channels);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value function;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, decode, NULL, &function);
  napi_set_named_property(env, exports, "decode", function);
  napi_value version;
  napi_create_int32(env, JPEG_LIB_VERSION, &version);
  napi_set_named_property(env, exports, "libjpegVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
