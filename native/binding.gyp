{
  # The GEMM source is compiled once per instruction set into its own static library, each with that ISA's
  # flags; the addon picks one at load time (AVX-512, AVX2+FMA, or the SSE2/plain baseline), so a single
  # build runs on any x86-64 machine and -march=native is never used. The AVX libraries are built only for
  # x86; elsewhere their entry points forward to the portable kernels and are never selected. MSVC has no
  # GCC-style vector extensions: there every ISA file compiles to the portable kernels (see portable.h).
  "variables": {
    "bpw_common_cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast", "-fPIC"],
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-O2", "-O0"],
    "cflags_cc": ["-std=gnu++17", "-fexceptions", "<@(bpw_common_cflags)"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
      "MACOSX_DEPLOYMENT_TARGET": "10.15",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast"],
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] } },
  },
  "targets": [
    {
      "target_name": "gemm_base",
      "type": "static_library",
      "sources": ["src/gemm_base.cc", "src/gemm_portable.cc"],
    },
    {
      "target_name": "gemm_avx2",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "sources": ["src/gemm_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast", "-mavx2", "-mfma"] },
        }, {
          "sources": ["src/gemm_fallback_avx2.cc"],
        }],
      ],
    },
    {
      "target_name": "gemm_avx512",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "sources": ["src/gemm_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast", "-mavx512f", "-mavx512vl", "-mavx2", "-mfma"] },
        }, {
          "sources": ["src/gemm_fallback_avx512.cc"],
        }],
      ],
    },
    {
      "target_name": "backprop_native",
      "sources": [
        "src/addon.cc", "src/args.cc", "src/background.cc", "src/conv.cc", "src/dense.cc", "src/elementwise.cc", "src/gather.cc",
        "src/runtime.cc", "src/sparse.cc", "src/thread_pool.cc",
      ],
      "dependencies": ["gemm_base", "gemm_avx2", "gemm_avx512"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "conditions": [
        ["OS!='win'", { "libraries": ["-lpthread"] }],
      ],
    },
  ],
}
