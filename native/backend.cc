#include "backend.h"

#include <omp.h>

#include <string>

namespace cyclegan {

Napi::Function Backend::Define(Napi::Env env) {
  return DefineClass(env, "Backend",
                     {
                         InstanceMethod<&Backend::Dispose>("dispose"),
                         InstanceMethod<&Backend::CacheSize>("cacheSize"),
                         InstanceMethod<&Backend::ReleaseFilter>("releaseFilter"),
                         InstanceMethod<&Backend::Conv2D>("conv2d"),
                         InstanceMethod<&Backend::Conv2DBackpropInput>("conv2dBackpropInput"),
                         InstanceMethod<&Backend::Conv2DBackpropFilter>("conv2dBackpropFilter"),
                         InstanceMethod<&Backend::InstanceNorm>("instanceNorm"),
                         InstanceMethod<&Backend::InstanceNormGrad>("instanceNormGrad"),
                         InstanceMethod<&Backend::MirrorPad>("mirrorPad"),
                         InstanceMethod<&Backend::MirrorPadGrad>("mirrorPadGrad"),
                         InstanceMethod<&Backend::Binary>("binary"),
                         InstanceMethod<&Backend::Unary>("unary"),
                         InstanceMethod<&Backend::Sum>("sum"),
                         InstanceMethod<&Backend::AdamUpdate>("adamUpdate"),
                         InstanceMethod<&Backend::Greater>("greater"),
                         InstanceMethod<&Backend::Select>("select"),
                         InstanceMethod<&Backend::Pad>("pad"),
                     });
}

// new Backend(threads, bf16)
Backend::Backend(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Backend>(info) {
  threads_ = static_cast<int>(IntArg(info, 0, "threads"));
  if (threads_ < 1) throw Napi::RangeError::New(info.Env(), "threads must be at least 1");
  bf16_ = info[1].ToBoolean().Value();
  if (bf16_ && !CpuHasBf16()) {
    throw Napi::Error::New(
        info.Env(),
        std::string("bf16 needs a CPU with AVX-512 BF16 or AMX; this one has ") + IsaName());
  }
  // oneDNN here is built on OpenMP; the thread count is a per-thread setting of
  // the calling thread, and every kernel is called from the JS main thread.
  omp_set_num_threads(threads_);
  engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
  stream_ = dnnl::stream(engine_);
}

Napi::Value Backend::Dispose(const Napi::CallbackInfo& info) {
  ClearCache();
  return info.Env().Undefined();
}

// releaseFilter(id): the filter tensor with this data number was disposed.
Napi::Value Backend::ReleaseFilter(const Napi::CallbackInfo& info) {
  auto it = filterHolders_.find(IntArg(info, 0, "id"));
  if (it != filterHolders_.end()) {
    for (FilterCache* holder : it->second) holder->Release(it->first);
    filterHolders_.erase(it);
  }
  return info.Env().Undefined();
}

Napi::Value Backend::CacheSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cache_.size()));
}

float* FloatArg(const Napi::CallbackInfo& info, size_t index, size_t minLength, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  auto array = v.As<Napi::Float32Array>();
  if (array.ElementLength() < minLength) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " +
                                                std::to_string(array.ElementLength()) +
                                                " elements, expected " + std::to_string(minLength));
  }
  return array.Data();
}

const float* OptionalFloatArg(const Napi::CallbackInfo& info, size_t index, size_t minLength,
                              const char* name) {
  if (info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  return FloatArg(info, index, minLength, name);
}

int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[index].As<Napi::Number>().Int64Value();
}

double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

const char* IsaName() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "unknown";
  }
}

bool CpuHasBf16() {
  auto isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

}  // namespace cyclegan
