// Export table of the cyclegan_onednn addon. The kernels are methods of
// Backend (backend.h), one native object per TensorFlow.js backend instance.
#include <napi.h>

#include "backend.h"

namespace {

Napi::Value Isa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), cyclegan::IsaName());
}

Napi::Value HasBf16(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), cyclegan::CpuHasBf16());
}

Napi::Value DnnlVersion(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  return Napi::String::New(info.Env(), std::to_string(v->major) + "." + std::to_string(v->minor) +
                                           "." + std::to_string(v->patch));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Backend", cyclegan::Backend::Define(env));
  exports.Set("isa", Napi::Function::New<Isa>(env, "isa"));
  exports.Set("hasBf16", Napi::Function::New<HasBf16>(env, "hasBf16"));
  exports.Set("dnnlVersion", Napi::Function::New<DnnlVersion>(env, "dnnlVersion"));
  return exports;
}

}  // namespace

NODE_API_MODULE(cyclegan_onednn, Init)
