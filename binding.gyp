{
  "targets": [
    {
      "target_name": "cyclegan_onednn",
      "sources": [
        "native/adam.cc",
        "native/addon.cc",
        "native/backend.cc",
        "native/conv.cc",
        "native/elementwise.cc",
        "native/instance_norm.cc",
        "native/mirror_pad.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"],
      "cflags!": ["-O2"],
      "cflags": ["-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-fopenmp", "-fno-math-errno", "-fno-trapping-math"],
      "ldflags": ["-fopenmp", "-fno-math-errno", "-fno-trapping-math"],
      "libraries": ["-ldnnl"]
    }
  ]
}
