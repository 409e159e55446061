// The native half of the `onednn` TensorFlow.js backend.
//
// Ownership: every tensor buffer belongs to JavaScript (the Float32Array in the
// CPU backend's data map). Kernels receive those arrays, wrap them in oneDNN
// memory objects without copying, and write into output arrays that the
// TypeScript side allocated. Nothing here keeps a pointer to a JS buffer past
// the call that received it.
//
// Layout: TensorFlow.js tensors are NHWC activations and HWIO filters
// ([kh, kw, in, out]). oneDNN describes both with plain format tags (nhwc,
// hwio), so activations are used in place. Filters are reordered into the
// blocked layout the chosen convolution implementation asks for; the reorder
// primitive and its destination buffer live in the primitive cache.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace cyclegan {

// A cache key: the op, its shapes and attributes as plain integers.
using Key = std::vector<int64_t>;

struct KeyHash {
  size_t operator()(const Key& key) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : key) h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

// One cached primitive with everything that can be reused across calls of the
// same shape: primitive descriptors, primitives, and intermediate buffers
// (reordered weights, bf16 copies of activations).
struct CacheEntry {
  virtual ~CacheEntry() = default;
};

// A cache entry that keeps per-filter copies (conv.cc), told when a filter
// tensor is disposed.
class FilterCache {
 public:
  virtual ~FilterCache() = default;
  virtual void Release(int64_t filterId) = 0;
};

// Op codes that start every cache key.
enum class Op : int64_t {
  kConv2D = 1,
  kConv2DBackpropInput,
  kConv2DBackpropFilter,
};

class Backend : public Napi::ObjectWrap<Backend> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Backend(const Napi::CallbackInfo& info);

  const dnnl::engine& engine() const { return engine_; }
  dnnl::stream& stream() { return stream_; }
  bool bf16() const { return bf16_; }
  int threads() const { return threads_; }
  // Threads for a loop over `elements` floats: below ~128 KiB of data, starting
  // the thread team (and, on a busy machine, waiting for it) costs more than
  // the loop, so small tensors run on the calling thread.
  int ThreadsFor(int64_t elements) const { return elements < (int64_t{1} << 15) ? 1 : threads_; }

  // Registers `cache` as holding a copy of filter `id`, to be released with it.
  void WatchFilter(int64_t id, FilterCache* cache) { filterHolders_[id].push_back(cache); }

  // Reordered copies of filters, shared between primitives: a generator runs
  // at two batch sizes in a training step (two primitives, one weight layout),
  // and the second finds the first one's copy here instead of reordering
  // again. The primitive that made a copy owns its buffer and withdraws it
  // here before reusing it.
  const dnnl::memory* FindFilterCopy(int64_t id, const dnnl::memory::desc& md) const {
    auto it = filterCopies_.find(id);
    if (it == filterCopies_.end()) return nullptr;
    for (const auto& copy : it->second)
      if (copy.get_desc() == md) return &copy;
    return nullptr;
  }
  void AddFilterCopy(int64_t id, const dnnl::memory& copy) { filterCopies_[id].push_back(copy); }
  void WithdrawFilterCopy(int64_t id, const dnnl::memory& copy) {
    auto it = filterCopies_.find(id);
    if (it == filterCopies_.end()) return;
    auto& copies = it->second;
    for (size_t i = 0; i < copies.size(); ++i) {
      if (copies[i].get() == copy.get()) {
        copies.erase(copies.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    if (copies.empty()) filterCopies_.erase(it);
  }

  // Returns the cached entry for `key`, building it with `make()` on a miss.
  template <class T, class Make>
  T& Cached(const Key& key, Make make) {
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      // Shapes of one training run are few; a runaway caller (every call a new
      // shape) must not grow memory without bound.
      if (cache_.size() >= kMaxCacheEntries) ClearCache();
      it = cache_.emplace(key, make()).first;
    }
    return static_cast<T&>(*it->second);
  }

 private:
  static constexpr size_t kMaxCacheEntries = 4096;

  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value CacheSize(const Napi::CallbackInfo& info);
  Napi::Value ReleaseFilter(const Napi::CallbackInfo& info);
  void ClearCache() {
    filterHolders_.clear();
    filterCopies_.clear();
    cache_.clear();
  }

  // Kernels, one group per source file. Argument order mirrors the TypeScript
  // calls in src/engine/onednn/kernels/.
  Napi::Value Conv2D(const Napi::CallbackInfo& info);
  Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info);
  Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info);
  Napi::Value InstanceNorm(const Napi::CallbackInfo& info);
  Napi::Value InstanceNormGrad(const Napi::CallbackInfo& info);
  Napi::Value MirrorPad(const Napi::CallbackInfo& info);
  Napi::Value MirrorPadGrad(const Napi::CallbackInfo& info);
  Napi::Value Binary(const Napi::CallbackInfo& info);
  Napi::Value Unary(const Napi::CallbackInfo& info);
  Napi::Value Sum(const Napi::CallbackInfo& info);
  Napi::Value AdamUpdate(const Napi::CallbackInfo& info);
  Napi::Value Greater(const Napi::CallbackInfo& info);
  Napi::Value Select(const Napi::CallbackInfo& info);
  Napi::Value Pad(const Napi::CallbackInfo& info);

  dnnl::engine engine_;
  dnnl::stream stream_;
  int threads_ = 1;
  bool bf16_ = false;
  std::unordered_map<Key, std::unique_ptr<CacheEntry>, KeyHash> cache_;
  // Filter id -> cache entries holding a copy of it (entries live in cache_;
  // cleared together with it).
  std::unordered_map<int64_t, std::vector<FilterCache*>> filterHolders_;
  // Filter id -> its reordered copies, one per layout (see FindFilterCopy).
  std::unordered_map<int64_t, std::vector<dnnl::memory>> filterCopies_;
};

// Argument helpers: every kernel checks that a buffer holds at least the
// number of elements its shape arguments imply, so a wrong shape from JS
// throws instead of reading past the end of an array.
float* FloatArg(const Napi::CallbackInfo& info, size_t index, size_t minLength, const char* name);
const float* OptionalFloatArg(const Napi::CallbackInfo& info, size_t index, size_t minLength,
                              const char* name);
int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name);
double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// Name of the instruction set oneDNN dispatches to on this CPU.
const char* IsaName();
// True where bf16 convolutions run natively (AVX-512 BF16 or AMX).
bool CpuHasBf16();

}  // namespace cyclegan
