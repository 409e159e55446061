// MirrorPad ('reflect' and 'symmetric') and its exact gradient, and constant
// padding (PadV2), for tensors of rank up to 4 (TypeScript pads the shape with
// leading 1s).
//
// Along one dimension of size n with `before` cells of padding, output index o
// reads source index i = o - before, reflected back into [0, n):
//   reflect:   -1 -> 1, n -> n - 2     (the edge cell is not repeated)
//   symmetric: -1 -> 0, n -> n - 1     (the edge cell is repeated)
// The gradient sums, for every source cell, the output cells that read it: a
// source cell near an edge receives its own centre cell plus its mirror
// images. Building that inverse map per dimension keeps the gradient a gather
// (no two threads write the same cell) and exact.
#include <cstring>
#include <string>
#include <vector>

#include "backend.h"

namespace cyclegan {

namespace {

constexpr int kRank = 4;

struct PadGeometry {
  int64_t inDims[kRank];
  int64_t before[kRank];
  int64_t after[kRank];
  int64_t outDims[kRank];
  int64_t offset;  // 0 for reflect, 1 for symmetric

  // Source index along dimension d for output index o.
  int64_t Source(int d, int64_t o) const {
    const int64_t n = inDims[d];
    int64_t i = o - before[d];
    if (i < 0) i = -i - offset;
    if (i >= n) i = 2 * n - 2 + offset - i;
    return i;
  }

  size_t InSize() const {
    return static_cast<size_t>(inDims[0] * inDims[1] * inDims[2] * inDims[3]);
  }
  size_t OutSize() const {
    return static_cast<size_t>(outDims[0] * outDims[1] * outDims[2] * outDims[3]);
  }
};

// Arguments after the two buffers: 4 input dims, then before/after for each of
// the 4 dims, then mode (0 reflect, 1 symmetric).
PadGeometry ParsePad(const Napi::CallbackInfo& info, size_t first) {
  PadGeometry g;
  g.offset = IntArg(info, first + 3 * kRank, "mode");
  if (g.offset != 0 && g.offset != 1)
    throw Napi::RangeError::New(info.Env(), "mode must be 0 or 1");
  for (int d = 0; d < kRank; ++d) {
    g.inDims[d] = IntArg(info, first + d, "dims");
    g.before[d] = IntArg(info, first + kRank + 2 * d, "paddings");
    g.after[d] = IntArg(info, first + kRank + 2 * d + 1, "paddings");
    // Beyond these limits a reflection would leave the tensor.
    const int64_t limit = g.inDims[d] - 1 + g.offset;
    if (g.inDims[d] < 1 || g.before[d] < 0 || g.after[d] < 0 || g.before[d] > limit ||
        g.after[d] > limit) {
      throw Napi::RangeError::New(info.Env(), "MirrorPad: padding of dimension " +
                                                  std::to_string(d) + " must be in [0, " +
                                                  std::to_string(limit) + "]");
    }
    g.outDims[d] = g.inDims[d] + g.before[d] + g.after[d];
  }
  return g;
}

}  // namespace

// mirrorPad(x, y, ...inDims[4], ...paddings[8], mode)
Napi::Value Backend::MirrorPad(const Napi::CallbackInfo& info) {
  const PadGeometry g = ParsePad(info, 2);
  const float* x = FloatArg(info, 0, g.InSize(), "x");
  float* y = FloatArg(info, 1, g.OutSize(), "y");
  const int64_t c = g.inDims[3], oc = g.outDims[3];
  const bool plainRows = g.before[3] == 0 && g.after[3] == 0;
  const int64_t rows = g.outDims[0] * g.outDims[1] * g.outDims[2];
  const int threads = ThreadsFor(static_cast<int64_t>(g.OutSize()));

#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o2 = r % g.outDims[2], o1 = (r / g.outDims[2]) % g.outDims[1],
                  o0 = r / (g.outDims[2] * g.outDims[1]);
    const int64_t i0 = g.Source(0, o0), i1 = g.Source(1, o1), i2 = g.Source(2, o2);
    const float* src = x + ((i0 * g.inDims[1] + i1) * g.inDims[2] + i2) * c;
    float* dst = y + r * oc;
    if (plainRows) {
      std::memcpy(dst, src, static_cast<size_t>(c) * sizeof(float));
    } else {
      for (int64_t o3 = 0; o3 < oc; ++o3) dst[o3] = src[g.Source(3, o3)];
    }
  }
  return info.Env().Undefined();
}

// mirrorPadGrad(dy, dx, ...inDims[4], ...paddings[8], mode): dims are dx's.
Napi::Value Backend::MirrorPadGrad(const Napi::CallbackInfo& info) {
  const PadGeometry g = ParsePad(info, 2);
  const float* dy = FloatArg(info, 0, g.OutSize(), "dy");
  float* dx = FloatArg(info, 1, g.InSize(), "dx");

  // readers[d][i]: the output indices along dimension d that read source i.
  std::vector<std::vector<int64_t>> readers[kRank];
  for (int d = 0; d < kRank; ++d) {
    readers[d].resize(static_cast<size_t>(g.inDims[d]));
    for (int64_t o = 0; o < g.outDims[d]; ++o) readers[d][g.Source(d, o)].push_back(o);
  }
  const int64_t c = g.inDims[3], oc = g.outDims[3];
  const bool plainRows = g.before[3] == 0 && g.after[3] == 0;
  const int64_t rows = g.inDims[0] * g.inDims[1] * g.inDims[2];
  const int threads = ThreadsFor(static_cast<int64_t>(g.OutSize()));

#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i2 = r % g.inDims[2], i1 = (r / g.inDims[2]) % g.inDims[1],
                  i0 = r / (g.inDims[2] * g.inDims[1]);
    float* dst = dx + r * c;
    for (int64_t k = 0; k < c; ++k) dst[k] = 0.f;
    for (int64_t o0 : readers[0][i0]) {
      for (int64_t o1 : readers[1][i1]) {
        for (int64_t o2 : readers[2][i2]) {
          const float* src = dy + ((o0 * g.outDims[1] + o1) * g.outDims[2] + o2) * oc;
          if (plainRows) {
            for (int64_t k = 0; k < c; ++k) dst[k] += src[k];
            continue;
          }
          for (int64_t k = 0; k < c; ++k) {
            float sum = 0.f;
            for (int64_t o3 : readers[3][k]) sum += src[o3];
            dst[k] += sum;
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace cyclegan

namespace cyclegan {

// pad(x, y, ...inDims[4], ...paddings[8], value): constant padding (PadV2).
Napi::Value Backend::Pad(const Napi::CallbackInfo& info) {
  int64_t inDims[kRank], before[kRank], outDims[kRank];
  for (int d = 0; d < kRank; ++d) {
    inDims[d] = IntArg(info, 2 + d, "dims");
    before[d] = IntArg(info, 2 + kRank + 2 * d, "paddings");
    const int64_t after = IntArg(info, 3 + kRank + 2 * d, "paddings");
    if (inDims[d] < 0 || before[d] < 0 || after < 0) {
      throw Napi::RangeError::New(info.Env(), "pad: dims and paddings must be >= 0");
    }
    outDims[d] = inDims[d] + before[d] + after;
  }
  const float value = static_cast<float>(NumberArg(info, 2 + 3 * kRank, "value"));
  const size_t inSize = static_cast<size_t>(inDims[0] * inDims[1] * inDims[2] * inDims[3]);
  const size_t outSize = static_cast<size_t>(outDims[0] * outDims[1] * outDims[2] * outDims[3]);
  const float* x = FloatArg(info, 0, inSize, "x");
  float* y = FloatArg(info, 1, outSize, "y");
  const int64_t rows = outDims[0] * outDims[1] * outDims[2];
  const int64_t oc = outDims[3], c = inDims[3];

#pragma omp parallel for num_threads(ThreadsFor(static_cast <int64_t>(outSize))) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i2 = r % outDims[2] - before[2], i1 = (r / outDims[2]) % outDims[1] - before[1],
                  i0 = r / (outDims[2] * outDims[1]) - before[0];
    float* dst = y + r * oc;
    if (i0 < 0 || i0 >= inDims[0] || i1 < 0 || i1 >= inDims[1] || i2 < 0 || i2 >= inDims[2]) {
      for (int64_t k = 0; k < oc; ++k) dst[k] = value;
      continue;
    }
    const float* src = x + ((i0 * inDims[1] + i1) * inDims[2] + i2) * c;
    for (int64_t k = 0; k < before[3]; ++k) dst[k] = value;
    std::memcpy(dst + before[3], src, static_cast<size_t>(c) * sizeof(float));
    for (int64_t k = before[3] + c; k < oc; ++k) dst[k] = value;
  }
  return info.Env().Undefined();
}

}  // namespace cyclegan
