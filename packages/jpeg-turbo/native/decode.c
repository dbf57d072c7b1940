// N-API binding to the system libjpeg (Debian builds it from libjpeg-turbo), the same library PIL
// uses there, so decoded pixels are identical to PIL's. Two entry points share one decompression
// routine and differ only in where each decoded row goes:
//   decode(bytes)       -> { data: Uint8Array, width, height, channels } (grey stays grey)
//   decodeInto(bytes, out, offset, width, height, channels, flip)
//                       -> writes (x / 255 - 0.5) / 0.5 floats into out, mirrored when flip
#include <node_api.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define MAX_PIXELS (64u * 1024u * 1024u)
// Offset of the decode row from a 32-byte boundary (see run_decode).
#define ROW_SHIFT 8

typedef struct {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int ours;  // 1: a message of this binding (size checks); 0: libjpeg's own
} error_state;

// Where decoded rows go: a byte image (decode) or normalised floats in a caller's array (decodeInto).
typedef struct {
  int to_floats;
  // decodeInto only: the expected size, output channels, mirroring and destination.
  unsigned want_width, want_height;
  int channels;
  int flip;
  float *out;
  // decode only: the pixels, in a JavaScript ArrayBuffer made once the size is known.
  napi_value buffer;
  unsigned char *pixels;
  unsigned width, height;
  int components;
} target;

static void on_error(j_common_ptr info) {
  error_state *state = (error_state *)info->err;
  (*info->err->format_message)(info, state->message);
  state->ours = 0;
  longjmp(state->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
  // Warnings (level -1), e.g. premature end of data, make the image invalid: treat them as errors,
  // as PIL does unless told to load truncated images.
  if (level < 0) on_error(info);
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "BCTKIT_JPEG_DECODE", message);
  return NULL;
}

static void fail(error_state *state, const char *message) {
  snprintf(state->message, sizeof state->message, "%s", message);
  state->ours = 1;
  longjmp(state->jump, 1);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VECTORISED __attribute__((target_clones("avx2", "default")))
#else
#define VECTORISED
#endif

// (x / 255 - 0.5) / 0.5 as float32 for `count` bytes. Computed as x * (2 / 255) - 1 in double and
// rounded once: the same float as the formula for every one of the 256 byte values (a unit test
// checks all of them), and, unlike a table lookup, vectorisable.
VECTORISED static void normalise(const unsigned char *in, float *out, size_t count) {
  for (size_t i = 0; i < count; i++) out[i] = (float)((double)in[i] * (2.0 / 255.0) - 1.0);
}

// One decoded row into normalised floats: grey repeated into `channels`, mirrored when `flip`
// (pixel order reversed in `scratch`, a row of bytes, before the vectorised pass).
static void write_floats(const target *t, const unsigned char *row, unsigned width, int source,
                         unsigned char *scratch, float *dest) {
  if (t->flip) {
    const unsigned char *from = row + (size_t)(width - 1) * source;
    unsigned char *to = scratch;
    if (source == 3) {
      for (unsigned x = 0; x < width; x++, from -= 3, to += 3) to[0] = from[0], to[1] = from[1], to[2] = from[2];
    } else {
      for (unsigned x = 0; x < width; x++) *to++ = *from--;
    }
    row = scratch;
  }
  if (source == t->channels) {
    normalise(row, dest, (size_t)width * source);
    return;
  }
  for (unsigned x = 0; x < width; x++) {  // grey into 3 channels
    const float value = (float)((double)row[x] * (2.0 / 255.0) - 1.0);
    for (int c = 0; c < t->channels; c++) *dest++ = value;
  }
}

// Decodes into `t`. Returns 1 on success (for decode(), t->buffer then holds the pixels), or 0
// after throwing a JavaScript error with the reason.
static int run_decode(napi_env env, const unsigned char *data, size_t length, target *t) {
  struct jpeg_decompress_struct info;
  error_state state;
  info.err = jpeg_std_error(&state.base);
  state.base.error_exit = on_error;
  state.base.emit_message = on_message;
  state.message[0] = '\0';
  state.ours = 0;
  unsigned char *volatile block = NULL;  // volatile: read after longjmp
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&info);
    free(block);
    char text[JMSG_LENGTH_MAX + 32];
    snprintf(text, sizeof text, state.ours ? "%s" : "libjpeg: %s", state.message);
    throw_error(env, text);
    return 0;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, (unsigned long)length);
  jpeg_read_header(&info, TRUE);
  const int grey = info.num_components == 1;
  info.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  if ((size_t)info.image_width * info.image_height > MAX_PIXELS) fail(&state, "the image exceeds 64 megapixels");
  if (t->to_floats) {
    if (!grey && t->channels == 1) fail(&state, "cannot turn a 3-channel image into 1 channels");
    if (info.image_width != t->want_width || info.image_height != t->want_height) {
      char message[96];
      snprintf(message, sizeof message, "the image is %ux%u, the loader expects %ux%u", info.image_width,
               info.image_height, t->want_width, t->want_height);
      fail(&state, message);
    }
  }
  jpeg_start_decompress(&info);
  const int source = info.output_components;
  const size_t stride = (size_t)info.output_width * source;
  // Every row is decoded into `row`, then normalised or copied out while it is still in the L1
  // cache. The row must not start on a 16-byte boundary: libjpeg-turbo's x86 SIMD colour
  // conversion writes aligned rows with non-temporal stores, which bypass the cache, and reading
  // such a row straight back waits on memory (measured: 150-160 us per 112 x 112 image instead
  // of 89). ROW_SHIFT bytes past a 32-byte boundary, it uses ordinary stores.
  block = malloc(2 * stride + 64);  // the row, then its mirrored copy for decodeInto
  if (block == NULL) fail(&state, "out of memory");
  unsigned char *row = block + (ROW_SHIFT + 32 - (uintptr_t)block % 32) % 32;
  if (!t->to_floats) {
    void *pixels;
    if (napi_create_arraybuffer(env, stride * info.output_height, &pixels, &t->buffer) != napi_ok)
      fail(&state, "cannot allocate the pixel buffer");
    t->pixels = pixels;
  }
  while (info.output_scanline < info.output_height) {
    const size_t line = info.output_scanline;
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&info, rows, 1);
    if (t->to_floats)
      write_floats(t, row, info.output_width, source, row + stride, t->out + line * info.output_width * t->channels);
    else
      memcpy(t->pixels + line * stride, row, stride);
  }
  jpeg_finish_decompress(&info);
  t->width = info.output_width;
  t->height = info.output_height;
  t->components = source;
  jpeg_destroy_decompress(&info);
  free(block);
  return 1;
}

// Reads argument `index` as a typed array of `type`; NULL (with an exception) otherwise.
static void *typed_array(napi_env env, napi_value value, napi_typedarray_type type, size_t *length, const char *what) {
  bool is_typed_array = false;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array) {
    throw_error(env, what);
    return NULL;
  }
  napi_typedarray_type actual;
  void *data;
  napi_value arraybuffer;
  size_t byte_offset;
  napi_get_typedarray_info(env, value, &actual, length, &data, &arraybuffer, &byte_offset);
  if (actual != type) {
    throw_error(env, what);
    return NULL;
  }
  return data == NULL ? (void *)"" : data;  // an empty array still counts as given
}

static napi_value decode(napi_env env, napi_callback_info callback) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, callback, &argc, argv, NULL, NULL);
  size_t length;
  const void *data = argc < 1 ? (throw_error(env, "expected a Uint8Array of JPEG bytes"), NULL)
                              : typed_array(env, argv[0], napi_uint8_array, &length, "expected a Uint8Array of JPEG bytes");
  if (data == NULL) return NULL;
  target t = {0};
  if (!run_decode(env, data, length, &t)) return NULL;
  const size_t size = (size_t)t.width * t.height * t.components;
  napi_value array, result, number;
  napi_create_typedarray(env, napi_uint8_array, size, t.buffer, 0, &array);
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "data", array);
  napi_create_double(env, t.width, &number);
  napi_set_named_property(env, result, "width", number);
  napi_create_double(env, t.height, &number);
  napi_set_named_property(env, result, "height", number);
  napi_create_double(env, t.components, &number);
  napi_set_named_property(env, result, "channels", number);
  return result;
}

static napi_value decode_into(napi_env env, napi_callback_info callback) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, callback, &argc, argv, NULL, NULL);
  if (argc < 7) return throw_error(env, "decodeInto(bytes, out, offset, width, height, channels, flip)");
  size_t length, out_length;
  const void *data = typed_array(env, argv[0], napi_uint8_array, &length, "expected a Uint8Array of JPEG bytes");
  if (data == NULL) return NULL;
  float *out = typed_array(env, argv[1], napi_float32_array, &out_length, "expected a Float32Array to write into");
  if (out == NULL) return NULL;
  double offset, width, height, channels;
  bool flip;
  napi_get_value_double(env, argv[2], &offset);
  napi_get_value_double(env, argv[3], &width);
  napi_get_value_double(env, argv[4], &height);
  napi_get_value_double(env, argv[5], &channels);
  napi_get_value_bool(env, argv[6], &flip);
  if ((channels != 1 && channels != 3) || offset < 0 || width < 1 || height < 1 ||
      offset + width * height * channels > (double)out_length) {
    return throw_error(env, "the output array is too small for the image at that offset");
  }
  target t = {.to_floats = 1,
              .want_width = (unsigned)width,
              .want_height = (unsigned)height,
              .channels = (int)channels,
              .flip = flip,
              .out = out + (size_t)offset};
  run_decode(env, data, length, &t);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value function, version;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, decode, NULL, &function);
  napi_set_named_property(env, exports, "decode", function);
  napi_create_function(env, "decodeInto", NAPI_AUTO_LENGTH, decode_into, NULL, &function);
  napi_set_named_property(env, exports, "decodeInto", function);
  napi_create_int32(env, JPEG_LIB_VERSION, &version);
  napi_set_named_property(env, exports, "libjpegVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
