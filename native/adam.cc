// AdamUpdate: one Adam step for one parameter tensor in a single pass over
// memory, as PyTorch's torch.optim.Adam computes it (bias corrections folded
// into stepSize = lr / (1 - beta1^t) and sqrtBc2 = sqrt(1 - beta2^t)):
//
//   m' = beta1 m + (1 - beta1) g
//   v' = beta2 v + (1 - beta2) g^2
//   p' = p - stepSize * m' / (sqrt(v') / sqrtBc2 + epsilon)
//
// Written in tf ops this is about a dozen kernels, each reading and writing
// the whole parameter; fused, it is one read of p, g, m, v and one write of
// p', m', v'.
#include <cmath>

#include "backend.h"

namespace cyclegan {

// adamUpdate(p, g, m, v, pOut, mOut, vOut, n, beta1, beta2, epsilon, stepSize, sqrtBc2)
Napi::Value Backend::AdamUpdate(const Napi::CallbackInfo& info) {
  const int64_t n = IntArg(info, 7, "n");
  const size_t size = static_cast<size_t>(n);
  const float* p = FloatArg(info, 0, size, "param");
  const float* g = FloatArg(info, 1, size, "grad");
  const float* m = FloatArg(info, 2, size, "m");
  const float* v = FloatArg(info, 3, size, "v");
  float* pOut = FloatArg(info, 4, size, "paramOut");
  float* mOut = FloatArg(info, 5, size, "mOut");
  float* vOut = FloatArg(info, 6, size, "vOut");
  const double beta1d = NumberArg(info, 8, "beta1"), beta2d = NumberArg(info, 9, "beta2");
  // 1 - beta in double, then rounded: as the tf-op version, which multiplies by
  // the float32 scalar (1 - beta); 1.f - 0.999f would be off by 5e-5.
  const float beta1 = static_cast<float>(beta1d), oneMinusBeta1 = static_cast<float>(1.0 - beta1d);
  const float beta2 = static_cast<float>(beta2d), oneMinusBeta2 = static_cast<float>(1.0 - beta2d);
  const float epsilon = static_cast<float>(NumberArg(info, 10, "epsilon"));
  const float stepSize = static_cast<float>(NumberArg(info, 11, "stepSize"));
  const float invSqrtBc2 = static_cast<float>(1.0 / NumberArg(info, 12, "sqrtBc2"));

#pragma omp parallel for simd num_threads(ThreadsFor(n)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float mi = beta1 * m[i] + oneMinusBeta1 * g[i];
    const float vi = beta2 * v[i] + oneMinusBeta2 * (g[i] * g[i]);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] - stepSize * (mi / (std::sqrt(vi) * invSqrtBc2 + epsilon));
  }
  return info.Env().Undefined();
}

}  // namespace cyclegan
