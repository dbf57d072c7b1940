{
  "targets": [
    {
      "target_name": "bctkit_jpeg",
      "sources": ["native/decode.c"],
      "libraries": ["-ljpeg"],
      "cflags": ["-O3", "-Wall", "-ffp-contract=off"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
