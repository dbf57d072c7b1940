{
  "targets": [
    {
      "target_name": "bctkit_kernels",
      "sources": [
        "native/arguments.c",
        "native/convolution.c",
        "native/products.c",
        "native/elementwise.c",
        "native/batch-norm.c",
        "native/scoring.c",
        "native/module.c"
      ],
      "include_dirs": ["/usr/include/openblas", "/usr/include/x86_64-linux-gnu/openblas-pthread"],
      "libraries": ["-lopenblas", "-lm", "-fopenmp"],
      "cflags": ["-O3", "-Wall", "-fopenmp"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
