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

// decodeInto(bytes: Uint8Array, out: Float32Array, offset: number, width: number, height: number,
//            channels: 1 | 3, flip: boolean): writes the image as (x / 255 - 0.5) / 0.5 floats,
// [height, width, channels], mirrored when flip, straight into out at offset. Grey images are
// repeated into 3 channels when channels is 3; a colour image cannot be written as 1 channel.
// Throws when the image is not width x height.
static napi_value decode_into(napi_env env, napi_callback_info callback) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, callback, &argc, argv, NULL, NULL);
  if (argc < 7) return throw_error(env, "decodeInto(bytes, out, offset, width, height, channels, flip)");
  bool is_typed_array = false;
  napi_typedarray_type type;
  size_t length, out_length;
  void *data, *out_data;
  napi_value arraybuffer;
  size_t byte_offset;
  if (napi_is_typedarray(env, argv[0], &is_typed_array) != napi_ok || !is_typed_array) return throw_error(env, "expected a Uint8Array of JPEG bytes");
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, &arraybuffer, &byte_offset);
  if (type != napi_uint8_array) return throw_error(env, "expected a Uint8Array of JPEG bytes");
  if (napi_is_typedarray(env, argv[1], &is_typed_array) != napi_ok || !is_typed_array) return throw_error(env, "expected a Float32Array to write into");
  napi_get_typedarray_info(env, argv[1], &type, &out_length, &out_data, &arraybuffer, &byte_offset);
  if (type != napi_float32_array) return throw_error(env, "expected a Float32Array to write into");
  double offset_number, width_number, height_number, channels_number;
  bool flip;
  napi_get_value_double(env, argv[2], &offset_number);
  napi_get_value_double(env, argv[3], &width_number);
  napi_get_value_double(env, argv[4], &height_number);
  napi_get_value_double(env, argv[5], &channels_number);
  napi_get_value_bool(env, argv[6], &flip);
  const size_t offset = (size_t)offset_number;
  const unsigned want_width = (unsigned)width_number, want_height = (unsigned)height_number;
  const int channels = (int)channels_number;
  if ((channels != 1 && channels != 3) || offset_number < 0 ||
      offset + (size_t)want_width * want_height * channels > out_length) {
    return throw_error(env, "the output array is too small for the image at that offset");
  }
  float *out = (float *)out_data + offset;

  static float normalized[256];
  static int table_ready = 0;
  if (!table_ready) {
    for (int value = 0; value < 256; value++) normalized[value] = (float)((value / 255.0 - 0.5) / 0.5);
    table_ready = 1;
  }

  struct jpeg_decompress_struct info;
  error_state state;
  info.err = jpeg_std_error(&state.base);
  state.base.error_exit = on_error;
  state.base.emit_message = on_message;
  state.message[0] = '\0';
  unsigned char *row = NULL;
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&info);
    free(row);
    char text[JMSG_LENGTH_MAX + 32];
    snprintf(text, sizeof text, "libjpeg: %s", state.message);
    return throw_error(env, text);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, (const unsigned char *)data, (unsigned long)length);
  jpeg_read_header(&info, TRUE);
  const int grey = info.num_components == 1;
  if (!grey && channels == 1) {
    snprintf(state.message, sizeof state.message, "cannot turn a 3-channel image into 1 channels");
    longjmp(state.jump, 1);
  }
  if (info.image_width != want_width || info.image_height != want_height) {
    snprintf(state.message, sizeof state.message, "the image is %ux%u, the loader expects %ux%u",
             info.image_width, info.image_height, want_width, want_height);
    longjmp(state.jump, 1);
  }
  info.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  const int source = info.output_components;
  row = malloc((size_t)info.output_width * source);
  if (row == NULL) {
    snprintf(state.message, sizeof state.message, "out of memory");
    longjmp(state.jump, 1);
  }
  const unsigned width = info.output_width;
  while (info.output_scanline < info.output_height) {
    float *target = out + (size_t)info.output_scanline * width * channels;
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&info, rows, 1);
    for (unsigned x = 0; x < width; x++) {
      const unsigned char *pixel = row + (size_t)(flip ? width - 1 - x : x) * source;
      if (source == 1) {
        const float value = normalized[pixel[0]];
        for (int c = 0; c < channels; c++) *target++ = value;
      } else {
        *target++ = normalized[pixel[0]];
        *target++ = normalized[pixel[1]];
        *target++ = normalized[pixel[2]];
      }
    }
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  free(row);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value function;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, decode, NULL, &function);
  napi_set_named_property(env, exports, "decode", function);
  napi_value into;
  napi_create_function(env, "decodeInto", NAPI_AUTO_LENGTH, decode_into, NULL, &into);
  napi_set_named_property(env, exports, "decodeInto", into);
  napi_value version;
  napi_create_int32(env, JPEG_LIB_VERSION, &version);
  napi_set_named_property(env, exports, "libjpegVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
