import { tf } from '../engine/tf';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam (Kingma & Ba) exactly as PyTorch's `torch.optim.Adam` computes it:
 * bias corrections applied to the step size and to √v, ε added after the
 * correction, no weight decay. Backends that register an `AdamUpdate` kernel
 * (inputs param, grad, m, v; attrs beta1, beta2, epsilon, stepSize = lr/(1−β1ᵗ),
 * sqrtBc2 = √(1−β2ᵗ); outputs param', m', v') run each update in one pass.
 */
export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(
    readonly variables: Map<string, tf.Variable>,
    readonly opts: AdamOptions = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  ) {
    for (const [name, p] of variables) {
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  /** One update with learning rate `lr` from gradients keyed like `variables`. */
  apply(grads: Record<string, tf.Tensor>, lr: number) {
    this.step += 1;
    const { beta1, beta2, epsilon } = this.opts;
    const bc1 = 1 - beta1 ** this.step;
    const bc2 = 1 - beta2 ** this.step;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const fused = tf.getKernel('AdamUpdate', tf.getBackend()) != null;
    tf.tidy(() => {
      for (const [name, p] of this.variables) {
        const g = grads[name];
        if (g === undefined) throw new Error(`Adam: no gradient for ${name}`);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        if (fused) {
          // One pass over the four arrays instead of a dozen element-wise kernels.
          const attrs = { beta1, beta2, epsilon, stepSize, sqrtBc2 };
          const [pNew, mNew, vNew] = tf
            .engine()
            .runKernel(
              'AdamUpdate',
              { param: p, grad: g, m, v },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
          p.assign(pNew);
          m.assign(mNew);
          v.assign(vNew);
          continue;
        }
        const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtBc2), epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize)));
        m.assign(mNew);
        v.assign(vNew);
      }
    });
  }

  dispose() {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
