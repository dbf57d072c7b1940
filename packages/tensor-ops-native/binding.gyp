{
  "variables": {
    "onednn%": "<!(node -p \"require('node:fs').existsSync('/usr/include/oneapi/dnnl/dnnl.h') && process.env.BCTKIT_BUILD_ONEDNN !== '0' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "bctkit_kernels",
      "sources": [
        "native/arguments.c",
        "native/convolution.c",
        "native/onednn.c",
        "native/products.c",
        "native/elementwise.c",
        "native/batch-norm.c",
        "native/scoring.c",
        "native/graph-ops.c",
        "native/layout.c",
        "native/optimiser.c",
        "native/module.c"
      ],
      "include_dirs": ["/usr/include/openblas", "/usr/include/x86_64-linux-gnu/openblas-pthread"],
      "libraries": ["-lopenblas", "-lm", "-fopenmp"],
      "cflags": ["-O3", "-Wall", "-fopenmp", "-fno-trapping-math"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        [
          "onednn==1",
          { "defines": ["BCTKIT_ONEDNN"], "libraries": ["-ldnnl"] }
        ]
      ]
    }
  ]
}
