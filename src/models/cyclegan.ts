import { tf } from '../engine/tf';
import { variableGrads } from '../nn/gradients';
import { Adam } from '../train/adam';
import { ImagePool } from '../train/image_pool';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { ganLoss, l1Loss } from './losses';
import { LossOptions, NetworkOptions } from './options';
import { PatchDiscriminator } from './patch_discriminator';
import { ResnetGenerator } from './resnet_generator';

/**
 * Names, as in the paper and its reference release:
 *   G_A: A → B (the paper's G),  G_B: B → A (the paper's F),
 *   D_A judges images of B (the paper's D_Y), D_B judges images of A (D_X).
 *   fakeB = G_A(realA), recA = G_B(fakeB), idtA = G_A(realB), and the mirror.
 */
export interface CycleGANOptions extends NetworkOptions, LossOptions {
  poolSize: number;
  beta1: number;
}

/** The eight losses the reference logs, as plain numbers. */
export interface StepLosses {
  D_A: number;
  G_A: number;
  cycle_A: number;
  idt_A: number;
  D_B: number;
  G_B: number;
  cycle_B: number;
  idt_B: number;
}

/** A loss that is NaN or infinite: training stops before the update is applied. */
export class NonFiniteLossError extends UserError {
  constructor(
    readonly step: number,
    losses: Partial<StepLosses>,
  ) {
    const bad = Object.entries(losses)
      .filter(([, v]) => !Number.isFinite(v))
      .map(([k, v]) => `${k}=${v}`);
    super(
      `Training stopped at step ${step}: non-finite loss (${bad.join(', ')}); ` +
        'no update or checkpoint with these values was written.',
      'Try a lower --lr, or check the input images.',
    );
  }
}

export class CycleGAN {
  readonly G_A: ResnetGenerator;
  readonly G_B: ResnetGenerator;
  readonly D_A: PatchDiscriminator;
  readonly D_B: PatchDiscriminator;
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
  readonly poolA: ImagePool;
  readonly poolB: ImagePool;
  /** Training steps taken (both optimizers step once per training step). */
  step = 0;

  constructor(
    readonly opts: CycleGANOptions,
    rng: Rng,
  ) {
    if (opts.lambdaIdentity > 0 && opts.inputNc !== opts.outputNc) {
      throw new UserError(
        `The identity loss needs --input-nc equal to --output-nc ` +
          `(got ${opts.inputNc} and ${opts.outputNc}).`,
        'Set --lambda-identity 0 or make the channel counts equal.',
      );
    }
    // One stream per network keeps each network's initial weights independent
    // of the others' sizes.
    const seed = rng.nextUint32();
    this.G_A = new ResnetGenerator(opts, Rng.derive(seed, 1));
    this.G_B = new ResnetGenerator(
      { ...opts, inputNc: opts.outputNc, outputNc: opts.inputNc },
      Rng.derive(seed, 2),
    );
    this.D_A = new PatchDiscriminator({ ...opts, inputNc: opts.outputNc }, Rng.derive(seed, 3));
    this.D_B = new PatchDiscriminator({ ...opts, inputNc: opts.inputNc }, Rng.derive(seed, 4));
    const adam = { beta1: opts.beta1, beta2: 0.999, epsilon: 1e-8 };
    this.optimizerG = new Adam(prefixed({ G_A: this.G_A.params, G_B: this.G_B.params }), adam);
    this.optimizerD = new Adam(prefixed({ D_A: this.D_A.params, D_B: this.D_B.params }), adam);
    this.poolA = new ImagePool(opts.poolSize, Rng.derive(seed, 5));
    this.poolB = new ImagePool(opts.poolSize, Rng.derive(seed, 6));
  }

  /**
   * One training step, in the reference's order: forward both cycles, update
   * both generators with the discriminators held fixed, then update both
   * discriminators on real images and on pooled fakes.
   *
   * @param realA [N, H, W, inputNc]  @param realB [N, H, W, outputNc]
   */
  trainStep(realA: tf.Tensor4D, realB: tf.Tensor4D, lr: number): StepLosses {
    const step = this.step + 1;
    const [fakeA, fakeB, gLosses] = this.updateGenerators(realA, realB, lr, step);
    try {
      const dLosses = this.updateDiscriminators(realA, realB, fakeA, fakeB, lr, step);
      this.step = step;
      return { ...gLosses, ...dLosses };
    } finally {
      fakeA.dispose();
      fakeB.dispose();
    }
  }

  private updateGenerators(
    realA: tf.Tensor4D,
    realB: tf.Tensor4D,
    lr: number,
    step: number,
  ): [tf.Tensor4D, tf.Tensor4D, Omit<StepLosses, 'D_A' | 'D_B'>] {
    return tf.tidy(() => {
      const { losses, grads, fakeA, fakeB, recA, recB } = this.generatorGradients(realA, realB);
      const v = tf.stack(losses).dataSync();
      tf.dispose([...losses, recA, recB]);
      const named = {
        G_A: v[0],
        G_B: v[1],
        cycle_A: v[2],
        cycle_B: v[3],
        idt_A: v[4],
        idt_B: v[5],
      };
      if (!Array.from(v).every(Number.isFinite)) {
        tf.dispose([fakeA, fakeB]);
        throw new NonFiniteLossError(step, named);
      }
      this.optimizerG.apply(grads, lr);
      return [fakeA, fakeB, named];
    });
  }

  private updateDiscriminators(
    realA: tf.Tensor4D,
    realB: tf.Tensor4D,
    fakeA: tf.Tensor4D,
    fakeB: tf.Tensor4D,
    lr: number,
    step: number,
  ): Pick<StepLosses, 'D_A' | 'D_B'> {
    return tf.tidy(() => {
      const pooledB = this.poolB.query(fakeB);
      const pooledA = this.poolA.query(fakeA);
      const { losses, grads } = this.discriminatorGradients(realA, realB, pooledA, pooledB);
      const v = tf.stack(losses).dataSync();
      tf.dispose(losses);
      const named = { D_A: v[0], D_B: v[1] };
      if (!Array.from(v).every(Number.isFinite)) throw new NonFiniteLossError(step, named);
      this.optimizerD.apply(grads, lr);
      return named;
    });
  }

  /**
   * The generators' objective (paper eq. 3 with the identity term of
   * section 5.2) and its gradients for G_A and G_B, the discriminators held
   * fixed. Losses in the order G_A, G_B, cycle_A, cycle_B, idt_A, idt_B.
   * Call inside `tf.tidy`; the losses and images returned outlive it (autograd
   * disposes a forward pass's intermediates) and are the caller's to dispose.
   */
  generatorGradients(realA: tf.Tensor4D, realB: tf.Tensor4D) {
    const { lambdaA, lambdaB, lambdaIdentity, ganMode } = this.opts;
    let fakeA!: tf.Tensor4D;
    let fakeB!: tf.Tensor4D;
    let recA!: tf.Tensor4D;
    let recB!: tf.Tensor4D;
    let losses!: tf.Scalar[];
    const { grads } = variableGrads(() => {
      // Each generator runs on as few, large batches as the cycle allows:
      // G_A on realA and realB (for the identity term), then G_B on realB,
      // realA and fakeB, then G_A on fakeA. Instance norm is per image, so
      // this is the same computation in fewer, larger kernels.
      const identity = lambdaIdentity > 0;
      let idtA: tf.Tensor4D | undefined;
      let idtB: tf.Tensor4D | undefined;
      [fakeB, idtA] = identity ? applyBatched(this.G_A, [realA, realB]) : [this.G_A.apply(realA)];
      if (identity) [fakeA, idtB, recA] = applyBatched(this.G_B, [realB, realA, fakeB]);
      else [fakeA, recA] = applyBatched(this.G_B, [realB, fakeB]);
      recB = this.G_A.apply(fakeA);
      // The identity term is scaled by the cycle weight of the domain it maps into.
      const identityLoss = (idt: tf.Tensor4D | undefined, real: tf.Tensor4D, lambda: number) =>
        idt ? (tf.mul(l1Loss(idt, real), lambda * lambdaIdentity) as tf.Scalar) : tf.scalar(0);
      losses = [
        ganLoss(this.D_A.apply(fakeB), true, ganMode),
        ganLoss(this.D_B.apply(fakeA), true, ganMode),
        tf.mul(l1Loss(recA, realA), lambdaA) as tf.Scalar,
        tf.mul(l1Loss(recB, realB), lambdaB) as tf.Scalar,
        identityLoss(idtA, realB, lambdaB),
        identityLoss(idtB, realA, lambdaA),
      ];
      [fakeA, fakeB, recA, recB].forEach((t) => tf.keep(t));
      losses.forEach((l) => tf.keep(l));
      return tf.addN(losses) as tf.Scalar;
    }, [...this.optimizerG.variables.values()]);
    return { losses, grads: byName(this.optimizerG.variables, grads), fakeA, fakeB, recA, recB };
  }

  /**
   * The discriminators' least-squares objective, halved as in the reference
   * so that D learns more slowly than G, and its gradients for D_A and D_B.
   * `fakeA` / `fakeB` are treated as constants. Losses in the order D_A, D_B.
   * Call inside `tf.tidy`; the losses returned are the caller's to dispose.
   */
  discriminatorGradients(
    realA: tf.Tensor4D,
    realB: tf.Tensor4D,
    fakeA: tf.Tensor4D,
    fakeB: tf.Tensor4D,
  ) {
    const mode = this.opts.ganMode;
    const judge = (d: PatchDiscriminator, real: tf.Tensor4D, fake: tf.Tensor4D) => {
      const [onReal, onFake] = applyBatched(d, [real, fake]);
      return tf.mul(
        tf.add(ganLoss(onReal, true, mode), ganLoss(onFake, false, mode)),
        0.5,
      ) as tf.Scalar;
    };
    let losses!: tf.Scalar[];
    const { grads } = variableGrads(() => {
      losses = [judge(this.D_A, realB, fakeB), judge(this.D_B, realA, fakeA)];
      losses.forEach((l) => tf.keep(l));
      return tf.add(losses[0], losses[1]) as tf.Scalar;
    }, [...this.optimizerD.variables.values()]);
    return { losses, grads: byName(this.optimizerD.variables, grads) };
  }

  /** The four networks by their reference names. */
  get networks() {
    return { G_A: this.G_A, G_B: this.G_B, D_A: this.D_A, D_B: this.D_B };
  }

  dispose() {
    for (const net of Object.values(this.networks))
      for (const v of net.params.values()) v.dispose();
    this.optimizerG.dispose();
    this.optimizerD.dispose();
    this.poolA.dispose();
    this.poolB.dispose();
  }
}

/**
 * `net.apply` on several batches: as one batch when their shapes allow it
 * (every layer treats images independently), else one after the other.
 */
function applyBatched(
  net: { apply(x: tf.Tensor4D): tf.Tensor4D },
  xs: tf.Tensor4D[],
): tf.Tensor4D[] {
  const imageShape = xs[0].shape.slice(1).join();
  if (xs.some((x) => x.shape.slice(1).join() !== imageShape)) return xs.map((x) => net.apply(x));
  const all = net.apply(tf.concat(xs));
  let start = 0;
  return xs.map((x) => {
    const part = tf.slice(all, start, x.shape[0]);
    start += x.shape[0];
    return part;
  });
}

/** Joins networks' weights under `<net>.<weight name>` keys. */
function prefixed(nets: Record<string, Map<string, tf.Variable>>): Map<string, tf.Variable> {
  const all = new Map<string, tf.Variable>();
  for (const [net, params] of Object.entries(nets)) {
    for (const [name, v] of params) all.set(`${net}.${name}`, v);
  }
  return all;
}

/** Gradients keyed by our weight names. */
function byName(variables: Map<string, tf.Variable>, grads: Map<tf.Variable, tf.Tensor>) {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, v] of variables) {
    const g = grads.get(v);
    if (g !== undefined) out[name] = g;
  }
  return out;
}
