// Conv2D (plain and fused with bias and activation), Conv2DBackpropInput (which
// also serves conv2dTranspose) and Conv2DBackpropFilter.
//
// Activations stay in TensorFlow.js's NHWC buffers: the memory descriptors use
// format_tag::nhwc, so oneDNN reads and writes the JS arrays directly. Filters
// are HWIO in JS; each primitive is created with format_tag::any for weights
// and a cached reorder moves them to (or, for the filter gradient, from) the
// blocked layout the implementation chose.
//
// bf16 (like PyTorch's CPU autocast): the source-side tensors are converted to
// bf16 by cached reorders, the convolution accumulates in fp32 and writes fp32,
// and the fp32 master weights in JS are never changed.
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>

#include "backend.h"

namespace cyclegan {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

// The convolution geometry as TypeScript computes it with computeConv2DInfo:
// 17 integers, in this order, after the buffer arguments of every conv call.
struct ConvGeometry {
  int64_t batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, dilationH,
      dilationW, padTop, padLeft, padBottom, padRight;

  static constexpr size_t kCount = 17;

  static ConvGeometry Parse(const Napi::CallbackInfo& info, size_t first) {
    int64_t v[kCount];
    for (size_t i = 0; i < kCount; ++i) v[i] = IntArg(info, first + i, "conv geometry");
    ConvGeometry g{v[0], v[1],  v[2],  v[3],  v[4],  v[5],  v[6],  v[7], v[8],
                   v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
    for (size_t i = 0; i < kCount; ++i) {
      if (v[i] < (i >= 13 ? 0 : 1)) {
        throw Napi::RangeError::New(info.Env(), "conv geometry value " + std::to_string(i) +
                                                    " out of range: " + std::to_string(v[i]));
      }
    }
    return g;
  }

  void AppendTo(Key& key) const {
    key.insert(key.end(), {batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH,
                           strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight});
  }

  size_t srcSize() const { return static_cast<size_t>(batch * inH * inW * inC); }
  size_t dstSize() const { return static_cast<size_t>(batch * outH * outW * outC); }
  size_t weiSize() const { return static_cast<size_t>(filterH * filterW * inC * outC); }

  // oneDNN always names dimensions in NCHW / OIHW order; the format tag says
  // how they are laid out in memory.
  memory::desc Src(dt type) const { return {{batch, inC, inH, inW}, type, tag::nhwc}; }
  memory::desc Dst(dt type) const { return {{batch, outC, outH, outW}, type, tag::nhwc}; }
  memory::desc WeiUser() const { return {{outC, inC, filterH, filterW}, dt::f32, tag::hwio}; }
  memory::desc WeiAny(dt type) const { return {{outC, inC, filterH, filterW}, type, tag::any}; }
  memory::dims Strides() const { return {strideH, strideW}; }
  // oneDNN counts dilation from 0 (no dilation), TensorFlow from 1.
  memory::dims Dilates() const { return {dilationH - 1, dilationW - 1}; }
  memory::dims PadL() const { return {padTop, padLeft}; }
  memory::dims PadR() const { return {padBottom, padRight}; }
};

// A JS-owned buffer seen by a primitive, optionally through a cached
// conversion (f32 -> bf16 for inputs, blocked -> hwio for the filter gradient).
// `user` wraps the JS array (handle set per call); `inner` is what the
// primitive reads or writes, equal to `user` when no conversion is needed.
struct Bound {
  memory user;
  memory inner;
  dnnl::reorder convert;
  bool needsReorder = false;

  Bound() = default;
  Bound(const memory::desc& userMd, const memory::desc& innerMd, const dnnl::engine& eng)
      : user(userMd, eng, nullptr) {
    if (userMd == innerMd) {
      inner = user;
    } else {
      inner = memory(innerMd, eng);  // buffer owned by oneDNN, reused every call
      needsReorder = true;
    }
  }

  void Set(const void* data) { user.set_data_handle(const_cast<void*>(data)); }

  // Input direction: JS array -> primitive layout.
  void In(dnnl::stream& s) {
    if (!needsReorder) return;
    if (!convert) convert = dnnl::reorder(user, inner);
    convert.execute(s, user, inner);
  }
  // Output direction: primitive layout -> JS array.
  void Out(dnnl::stream& s) {
    if (!needsReorder) return;
    if (!convert) convert = dnnl::reorder(inner, user);
    convert.execute(s, inner, user);
  }
};

// Filters in the layout a primitive reads. Reordering HWIO into that layout
// can cost more than a small convolution, and one filter is used several
// times per training step (a generator runs three times, then its input
// gradients), so reordered copies are kept per filter tensor: `id` is a number
// the TypeScript side gives each tensor's data, which never changes while the
// id lives (ids are not reused). When that tensor is disposed, TypeScript calls
// releaseFilter(id) and the copy's buffer goes to a free list: the next new
// filter reuses it warm, where fresh memory would cost a page fault per 4 KiB.
class CachedWeights : public FilterCache {
 public:
  CachedWeights() = default;
  CachedWeights(const memory::desc& userMd, const memory::desc& innerMd, const dnnl::engine& eng)
      : user_(userMd, eng, nullptr), innerMd_(innerMd), needsReorder_(userMd != innerMd) {
    if (needsReorder_) {
      scratch_ = memory(innerMd, eng);
      convert_ = dnnl::reorder(user_, scratch_);
    }
  }

  memory Get(Backend& backend, const float* data, int64_t id) {
    user_.set_data_handle(const_cast<float*>(data));
    if (!needsReorder_) return user_;
    if (id < 0) {
      convert_.execute(backend.stream(), user_, scratch_);
      return scratch_;
    }
    auto it = byId_.find(id);
    if (it != byId_.end()) return it->second;
    // Another primitive (same filter, another batch size) may have made this copy already.
    if (const memory* shared = backend.FindFilterCopy(id, innerMd_)) return *shared;
    backend_ = &backend;

    // Filters that are never disposed (kept by the caller) must not grow the
    // cache without bound: past the limit the oldest copy makes room.
    while (byId_.size() >= kMaxEntries && !order_.empty()) {
      // Popped before Release, which may compact the queue.
      const int64_t oldest = order_.front();
      order_.pop_front();
      Release(oldest);
    }
    memory target;
    if (free_.empty()) {
      target = memory(innerMd_, backend.engine());
    } else {
      target = free_.back();
      free_.pop_back();
    }
    convert_.execute(backend.stream(), user_, target);
    byId_.emplace(id, target);
    order_.push_back(id);
    backend.WatchFilter(id, this);
    backend.AddFilterCopy(id, target);
    return target;
  }

  void Release(int64_t id) override {
    auto it = byId_.find(id);
    if (it == byId_.end()) return;
    // Withdrawn from sharing before the buffer can be reused for another filter.
    if (backend_ != nullptr) backend_->WithdrawFilterCopy(id, it->second);
    free_.push_back(it->second);
    byId_.erase(it);
    if (order_.size() > 2 * kMaxEntries) {
      // Drop ids already released from the eviction queue.
      std::deque<int64_t> live;
      for (int64_t k : order_)
        if (byId_.count(k) != 0) live.push_back(k);
      order_.swap(live);
    }
  }

 private:
  static constexpr size_t kMaxEntries = 64;

  Backend* backend_ = nullptr;  // the owner of this cache entry, set on first use
  memory user_;
  memory::desc innerMd_;
  bool needsReorder_ = false;
  dnnl::reorder convert_;
  memory scratch_;  // for filters without an id
  std::unordered_map<int64_t, memory> byId_;
  std::deque<int64_t> order_;
  std::vector<memory> free_;
};

dt ComputeType(bool bf16) { return bf16 ? dt::bf16 : dt::f32; }

constexpr int64_t kBf16FilterGradMinPixels = 64 * 64;

// Codes of the fused activations, shared with kernels/FusedConv2D.ts.
enum Activation : int64_t {
  kLinear = 0,
  kRelu = 1,
  kLeakyRelu = 2,
  kRelu6 = 3,
  kSigmoid = 4,
  kElu = 5
};

dnnl::primitive_attr ActivationAttr(int64_t activation, float alpha) {
  dnnl::primitive_attr attr;
  dnnl::post_ops ops;
  switch (activation) {
    case kLinear: break;
    case kRelu: ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); break;
    case kLeakyRelu: ops.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f); break;
    case kRelu6: ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); break;
    case kSigmoid: ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); break;
    case kElu: ops.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f); break;
    default: throw std::invalid_argument("unknown activation code " + std::to_string(activation));
  }
  attr.set_post_ops(ops);
  return attr;
}

struct ConvForward : CacheEntry {
  dnnl::convolution_forward prim;
  Bound src, dst;
  CachedWeights wei;
  memory bias;
  std::unordered_map<int, memory> args;
};

struct ConvBackwardData : CacheEntry {
  dnnl::convolution_backward_data prim;
  Bound diffDst, diffSrc;
  CachedWeights wei;
  std::unordered_map<int, memory> args;
};

struct ConvBackwardWeights : CacheEntry {
  dnnl::convolution_backward_weights prim;
  Bound src, diffDst, diffWei;
  std::unordered_map<int, memory> args;
};

// A forward primitive descriptor: the primitive itself for Conv2D, the hint
// the backward primitives are built against.
dnnl::convolution_forward::primitive_desc ForwardPd(const ConvGeometry& g, dt type, bool hasBias,
                                                    const dnnl::primitive_attr& attr,
                                                    prop_kind kind, const dnnl::engine& eng) {
  // The forward output stays fp32 also in bf16 mode (fp32 accumulation and
  // outputs); backward hints use the compute type throughout.
  dt dstType = kind == prop_kind::forward_inference ? dt::f32 : type;
  if (hasBias) {
    memory::desc biasMd({g.outC}, dt::f32, tag::a);
    dnnl::convolution_forward::desc d(kind, algorithm::convolution_direct, g.Src(type),
                                      g.WeiAny(type), biasMd, g.Dst(dstType), g.Strides(),
                                      g.Dilates(), g.PadL(), g.PadR());
    return {d, attr, eng};
  }
  dnnl::convolution_forward::desc d(kind, algorithm::convolution_direct, g.Src(type),
                                    g.WeiAny(type), g.Dst(dstType), g.Strides(), g.Dilates(),
                                    g.PadL(), g.PadR());
  return {d, attr, eng};
}

}  // namespace

// conv2d(x, filter, bias | null, y, ...geometry, activation, alpha, filterId)
Napi::Value Backend::Conv2D(const Napi::CallbackInfo& info) {
  const auto g = ConvGeometry::Parse(info, 4);
  const int64_t activation = IntArg(info, 4 + ConvGeometry::kCount, "activation");
  const float alpha = static_cast<float>(NumberArg(info, 5 + ConvGeometry::kCount, "alpha"));
  const int64_t filterId = IntArg(info, 6 + ConvGeometry::kCount, "filterId");
  const float* x = FloatArg(info, 0, g.srcSize(), "x");
  const float* filter = FloatArg(info, 1, g.weiSize(), "filter");
  const float* bias = OptionalFloatArg(info, 2, static_cast<size_t>(g.outC), "bias");
  float* y = FloatArg(info, 3, g.dstSize(), "y");

  uint32_t alphaBits;
  std::memcpy(&alphaBits, &alpha, sizeof alphaBits);
  Key key{static_cast<int64_t>(Op::kConv2D), bias != nullptr, activation, alphaBits};
  g.AppendTo(key);
  auto& e = Cached<ConvForward>(key, [&] {
    auto entry = std::make_unique<ConvForward>();
    const dt type = ComputeType(bf16_);
    // Inference-only forward: training-mode forward would keep workspaces
    // that the backward primitives here never read (they recompute).
    auto pd = ForwardPd(g, type, bias != nullptr, ActivationAttr(activation, alpha),
                        prop_kind::forward_inference, engine_);
    entry->prim = dnnl::convolution_forward(pd);
    entry->src = Bound(g.Src(dt::f32), pd.src_desc(), engine_);
    entry->wei = CachedWeights(g.WeiUser(), pd.weights_desc(), engine_);
    entry->dst = Bound(g.Dst(dt::f32), pd.dst_desc(), engine_);
    entry->args = {{DNNL_ARG_SRC, entry->src.inner}, {DNNL_ARG_DST, entry->dst.inner}};
    if (bias != nullptr) {
      entry->bias = memory(pd.bias_desc(), engine_, nullptr);
      entry->args[DNNL_ARG_BIAS] = entry->bias;
    }
    return entry;
  });

  e.src.Set(x);
  e.dst.Set(y);
  if (bias != nullptr) e.bias.set_data_handle(const_cast<float*>(bias));
  e.src.In(stream_);
  e.args[DNNL_ARG_WEIGHTS] = e.wei.Get(*this, filter, filterId);
  e.prim.execute(stream_, e.args);
  e.dst.Out(stream_);
  stream_.wait();
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, ...geometry, filterId)
Napi::Value Backend::Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const auto g = ConvGeometry::Parse(info, 3);
  const int64_t filterId = IntArg(info, 3 + ConvGeometry::kCount, "filterId");
  const float* dy = FloatArg(info, 0, g.dstSize(), "dy");
  const float* filter = FloatArg(info, 1, g.weiSize(), "filter");
  float* dx = FloatArg(info, 2, g.srcSize(), "dx");

  Key key{static_cast<int64_t>(Op::kConv2DBackpropInput)};
  g.AppendTo(key);
  auto& e = Cached<ConvBackwardData>(key, [&] {
    auto entry = std::make_unique<ConvBackwardData>();
    const dt type = ComputeType(bf16_);
    auto hint = ForwardPd(g, type, false, {}, prop_kind::forward_training, engine_);
    dnnl::convolution_backward_data::desc d(algorithm::convolution_direct, g.Src(dt::f32),
                                            g.WeiAny(type), g.Dst(type), g.Strides(), g.Dilates(),
                                            g.PadL(), g.PadR());
    dnnl::convolution_backward_data::primitive_desc pd(d, engine_, hint);
    entry->prim = dnnl::convolution_backward_data(pd);
    entry->diffDst = Bound(g.Dst(dt::f32), pd.diff_dst_desc(), engine_);
    entry->wei = CachedWeights(g.WeiUser(), pd.weights_desc(), engine_);
    entry->diffSrc = Bound(g.Src(dt::f32), pd.diff_src_desc(), engine_);
    entry->args = {{DNNL_ARG_DIFF_DST, entry->diffDst.inner},
                   {DNNL_ARG_DIFF_SRC, entry->diffSrc.inner}};
    return entry;
  });

  e.diffDst.Set(dy);
  e.diffSrc.Set(dx);
  e.diffDst.In(stream_);
  e.args[DNNL_ARG_WEIGHTS] = e.wei.Get(*this, filter, filterId);
  e.prim.execute(stream_, e.args);
  e.diffSrc.Out(stream_);
  stream_.wait();
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, ...geometry)
Napi::Value Backend::Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const auto g = ConvGeometry::Parse(info, 3);
  const float* x = FloatArg(info, 0, g.srcSize(), "x");
  const float* dy = FloatArg(info, 1, g.dstSize(), "dy");
  float* dw = FloatArg(info, 2, g.weiSize(), "dw");

  Key key{static_cast<int64_t>(Op::kConv2DBackpropFilter)};
  g.AppendTo(key);
  auto& e = Cached<ConvBackwardWeights>(key, [&] {
    auto entry = std::make_unique<ConvBackwardWeights>();
    // oneDNN 2.6's bf16 filter gradient is slower than fp32 below ~64x64
    // output pixels (measured: 8x8x256 -> 256, 3x3: 5.3 ms against 0.4 ms;
    // 32x32: 9.1 against 5.5; 64x64: 17.7 against 27.3), so small ones stay
    // in fp32, which is also the more accurate choice.
    const dt type = ComputeType(bf16_ && g.outH * g.outW >= kBf16FilterGradMinPixels);
    auto hint = ForwardPd(g, type, false, {}, prop_kind::forward_training, engine_);
    // The filter gradient is accumulated and written in fp32 in both modes.
    dnnl::convolution_backward_weights::desc d(algorithm::convolution_direct, g.Src(type),
                                               g.WeiAny(dt::f32), g.Dst(type), g.Strides(),
                                               g.Dilates(), g.PadL(), g.PadR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, engine_, hint);
    entry->prim = dnnl::convolution_backward_weights(pd);
    entry->src = Bound(g.Src(dt::f32), pd.src_desc(), engine_);
    entry->diffDst = Bound(g.Dst(dt::f32), pd.diff_dst_desc(), engine_);
    entry->diffWei = Bound(g.WeiUser(), pd.diff_weights_desc(), engine_);
    entry->args = {{DNNL_ARG_SRC, entry->src.inner},
                   {DNNL_ARG_DIFF_DST, entry->diffDst.inner},
                   {DNNL_ARG_DIFF_WEIGHTS, entry->diffWei.inner}};
    return entry;
  });

  e.src.Set(x);
  e.diffDst.Set(dy);
  e.diffWei.Set(dw);
  e.src.In(stream_);
  e.diffDst.In(stream_);
  e.prim.execute(stream_, e.args);
  e.diffWei.Out(stream_);
  stream_.wait();
  return info.Env().Undefined();
}

}  // namespace cyclegan
