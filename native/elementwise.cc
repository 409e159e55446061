// Element-wise kernels and contiguous-axis sums. The CPU backend of
// TensorFlow.js runs these single-threaded in JavaScript; in a training step
// they move as many bytes as the convolutions, so here they run as
// vectorised loops split across the OpenMP threads.
//
// Broadcasting is limited to what can be written as a period: an operand of
// `period` elements repeats along the output (period == n: same shape;
// period == 1: a scalar; otherwise a trailing block, such as a bias of shape
// [C] against [N, H, W, C]). TypeScript checks that the shapes fit that form
// and falls back to the CPU kernel otherwise.
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include "backend.h"

namespace cyclegan {

namespace {

// Codes shared with src/engine/onednn/kernel_util.ts (BinaryOp, UnaryOp).
enum BinaryOp : int64_t {
  kAdd = 0,
  kSub = 1,
  kMul = 2,
  kDiv = 3,
  kMax = 4,
  kMin = 5,
  kSquaredDiff = 6
};
enum UnaryOp : int64_t {
  kRelu = 0,
  kLeakyRelu = 1,
  kStep = 2,
  kSqrt = 3,
  kSquare = 4,
  kTanh = 5,
  kAbs = 6,
  kNeg = 7,
  kRsqrt = 8,
  kSigmoid = 9,
  kExp = 10,
  kSign = 11,
};

template <class F>
void ForEachBlock(int64_t n, int threads, F f) {
  if (threads == 1) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    // Split on multiples of 16 floats (a cache line) so threads never share one.
    const int64_t chunk = ((n + nt - 1) / nt + 15) / 16 * 16;
    const int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    if (begin < end) f(begin, end);
  }
}

template <class Op>
void BinaryLoop(const float* a, int64_t aPeriod, const float* b, int64_t bPeriod, float* out,
                int64_t n, int threads, Op op) {
  ForEachBlock(n, threads, [&](int64_t begin, int64_t end) {
    if (aPeriod == n && bPeriod == n) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = op(a[i], b[i]);
    } else if (aPeriod == n && bPeriod == 1) {
      const float s = b[0];
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = op(a[i], s);
    } else if (aPeriod == 1 && bPeriod == n) {
      const float s = a[0];
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = op(s, b[i]);
    } else {
      // Walk period by period so the inner loop is a plain vector loop.
      int64_t i = begin;
      while (i < end) {
        const int64_t ia = i % aPeriod, ib = i % bPeriod;
        const int64_t run = std::min({end - i, aPeriod - ia, bPeriod - ib});
        const float* pa = a + ia;
        const float* pb = b + ib;
        float* po = out + i;
#pragma omp simd
        for (int64_t k = 0; k < run; ++k) po[k] = op(pa[k], pb[k]);
        i += run;
      }
    }
  });
}

template <class Op>
void UnaryLoop(const float* x, float* out, int64_t n, int threads, Op op) {
  ForEachBlock(n, threads, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) out[i] = op(x[i]);
  });
}

}  // namespace

// binary(op, a, aPeriod, b, bPeriod, out, n): out[i] = a[i % aPeriod] op b[i % bPeriod]
Napi::Value Backend::Binary(const Napi::CallbackInfo& info) {
  const int64_t op = IntArg(info, 0, "op");
  const int64_t aPeriod = IntArg(info, 2, "aPeriod"), bPeriod = IntArg(info, 4, "bPeriod");
  const int64_t n = IntArg(info, 6, "n");
  if (aPeriod < 1 || bPeriod < 1 || n % aPeriod != 0 || n % bPeriod != 0) {
    throw Napi::RangeError::New(info.Env(), "binary: periods must divide the output size");
  }
  const float* a = FloatArg(info, 1, static_cast<size_t>(aPeriod), "a");
  const float* b = FloatArg(info, 3, static_cast<size_t>(bPeriod), "b");
  float* out = FloatArg(info, 5, static_cast<size_t>(n), "out");
  const int t = ThreadsFor(n);
  switch (op) {
    case kAdd:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t, [](float x, float y) { return x + y; });
      break;
    case kSub:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t, [](float x, float y) { return x - y; });
      break;
    case kMul:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t, [](float x, float y) { return x * y; });
      break;
    case kDiv:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t, [](float x, float y) { return x / y; });
      break;
    case kMax:
      // NaN propagates, as in TensorFlow.js.
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t,
                 [](float x, float y) { return (x != x || y != y) ? NAN : (x > y ? x : y); });
      break;
    case kMin:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t,
                 [](float x, float y) { return (x != x || y != y) ? NAN : (x < y ? x : y); });
      break;
    case kSquaredDiff:
      BinaryLoop(a, aPeriod, b, bPeriod, out, n, t,
                 [](float x, float y) { return (x - y) * (x - y); });
      break;
    default: throw Napi::RangeError::New(info.Env(), "binary: unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// unary(op, x, out, n, alpha)
Napi::Value Backend::Unary(const Napi::CallbackInfo& info) {
  const int64_t op = IntArg(info, 0, "op");
  const int64_t n = IntArg(info, 3, "n");
  const float alpha = static_cast<float>(NumberArg(info, 4, "alpha"));
  const float* x = FloatArg(info, 1, static_cast<size_t>(n), "x");
  float* out = FloatArg(info, 2, static_cast<size_t>(n), "out");
  const int t = ThreadsFor(n);
  switch (op) {
    // max(x, 0) would turn NaN into 0; TensorFlow.js keeps NaN.
    case kRelu: UnaryLoop(x, out, n, t, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case kLeakyRelu:
      UnaryLoop(x, out, n, t, [alpha](float v) { return v < 0.f ? alpha * v : v; });
      break;
    case kStep:
      UnaryLoop(x, out, n, t, [alpha](float v) { return v != v ? v : (v > 0.f ? 1.f : alpha); });
      break;
    case kSqrt: UnaryLoop(x, out, n, t, [](float v) { return std::sqrt(v); }); break;
    case kSquare: UnaryLoop(x, out, n, t, [](float v) { return v * v; }); break;
    case kTanh: UnaryLoop(x, out, n, t, [](float v) { return std::tanh(v); }); break;
    case kAbs: UnaryLoop(x, out, n, t, [](float v) { return std::fabs(v); }); break;
    case kNeg: UnaryLoop(x, out, n, t, [](float v) { return -v; }); break;
    case kRsqrt: UnaryLoop(x, out, n, t, [](float v) { return 1.f / std::sqrt(v); }); break;
    case kSigmoid:
      UnaryLoop(x, out, n, t, [](float v) { return 1.f / (1.f + std::exp(-v)); });
      break;
    case kExp: UnaryLoop(x, out, n, t, [](float v) { return std::exp(v); }); break;
    case kSign:
      UnaryLoop(x, out, n, t,
                [](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : (v != v ? v : 0.f)); });
      break;
    default: throw Napi::RangeError::New(info.Env(), "unary: unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// sum(x, out, outer, reduced, inner, scale): x viewed as [outer, reduced, inner];
// out[o, i] = scale * sum over r of x[o, r, i]. Accumulates in double.
Napi::Value Backend::Sum(const Napi::CallbackInfo& info) {
  const int64_t outer = IntArg(info, 2, "outer"), reduced = IntArg(info, 3, "reduced"),
                inner = IntArg(info, 4, "inner");
  const double scale = NumberArg(info, 5, "scale");
  const float* x = FloatArg(info, 0, static_cast<size_t>(outer * reduced * inner), "x");
  float* out = FloatArg(info, 1, static_cast<size_t>(outer * inner), "out");
  const int threads = ThreadsFor(outer * reduced * inner);

  if (inner == 1) {
    // Row sums: each output is one contiguous run; threads split the runs, or
    // one long run (a full reduction) into per-thread partial sums.
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = x + o * reduced;
      double total = 0.0;
#pragma omp parallel for num_threads(threads) reduction(+ : total) schedule(static)
      for (int64_t r = 0; r < reduced; ++r) total += row[r];
      out[o] = static_cast<float>(total * scale);
    }
    return info.Env().Undefined();
  }

  // Column sums (e.g. a bias gradient over N*H*W rows of C): each thread sums
  // a band of rows into its own partial row, then the partials are added.
  std::vector<double> partial(static_cast<size_t>(threads) * inner);
  for (int64_t o = 0; o < outer; ++o) {
    const float* block = x + o * reduced * inner;
    std::fill(partial.begin(), partial.end(), 0.0);
#pragma omp parallel num_threads(threads)
    {
      double* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * inner;
#pragma omp for schedule(static)
      for (int64_t r = 0; r < reduced; ++r) {
        const float* row = block + r * inner;
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
      }
    }
    for (int64_t i = 0; i < inner; ++i) {
      double total = 0.0;
      for (int t = 0; t < threads; ++t) total += partial[static_cast<size_t>(t) * inner + i];
      out[o * inner + i] = static_cast<float>(total * scale);
    }
  }
  return info.Env().Undefined();
}

}  // namespace cyclegan

namespace cyclegan {

// greater(a, aPeriod, b, bPeriod, out, n): out[i] = a[i % aPeriod] > b[i % bPeriod],
// written as 0/1 bytes (TensorFlow.js's bool tensors are Uint8Arrays).
Napi::Value Backend::Greater(const Napi::CallbackInfo& info) {
  const int64_t aPeriod = IntArg(info, 1, "aPeriod"), bPeriod = IntArg(info, 3, "bPeriod");
  const int64_t n = IntArg(info, 5, "n");
  if (aPeriod < 1 || bPeriod < 1 || n % aPeriod != 0 || n % bPeriod != 0) {
    throw Napi::RangeError::New(info.Env(), "greater: periods must divide the output size");
  }
  const float* a = FloatArg(info, 0, static_cast<size_t>(aPeriod), "a");
  const float* b = FloatArg(info, 2, static_cast<size_t>(bPeriod), "b");
  Napi::Value outValue = info[4];
  if (!outValue.IsTypedArray() ||
      outValue.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      outValue.As<Napi::Uint8Array>().ElementLength() < static_cast<size_t>(n)) {
    throw Napi::TypeError::New(info.Env(), "out must be a Uint8Array of n elements");
  }
  uint8_t* out = outValue.As<Napi::Uint8Array>().Data();
#pragma omp parallel for simd num_threads(ThreadsFor(n)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float x = aPeriod == n ? a[i] : a[i % aPeriod];
    const float y = bPeriod == n ? b[i] : b[i % bPeriod];
    out[i] = x > y ? 1 : 0;
  }
  return info.Env().Undefined();
}

// select(condition, t, e, out, n): out[i] = condition[i] ? t[i] : e[i]
Napi::Value Backend::Select(const Napi::CallbackInfo& info) {
  const int64_t n = IntArg(info, 4, "n");
  Napi::Value condValue = info[0];
  if (!condValue.IsTypedArray() ||
      condValue.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      condValue.As<Napi::Uint8Array>().ElementLength() < static_cast<size_t>(n)) {
    throw Napi::TypeError::New(info.Env(), "condition must be a Uint8Array of n elements");
  }
  const uint8_t* cond = condValue.As<Napi::Uint8Array>().Data();
  const float* t = FloatArg(info, 1, static_cast<size_t>(n), "t");
  const float* e = FloatArg(info, 2, static_cast<size_t>(n), "e");
  float* out = FloatArg(info, 3, static_cast<size_t>(n), "out");
#pragma omp parallel for simd num_threads(ThreadsFor(n)) schedule(static)
  for (int64_t i = 0; i < n; ++i) out[i] = cond[i] ? t[i] : e[i];
  return info.Env().Undefined();
}

}  // namespace cyclegan
