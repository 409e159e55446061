import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { variableGrads } from '../../src/nn/gradients';
import { ganLoss, l1Loss } from '../../src/models/losses';
import { defaultNetworkOptions } from '../../src/models/options';
import { PatchDiscriminator } from '../../src/models/patch_discriminator';
import { ResnetGenerator } from '../../src/models/resnet_generator';
import { Rng } from '../../src/util/rng';
import { testBackends } from '../support/backends';

/** A custom op y = x·x whose gradient records the engine's live bytes when it runs. */
function probedSquare(probe: { bytes: number }) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return {
      value: tf.mul(x, x),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        probe.bytes = tf.memory().numBytes;
        return tf.mul(tf.mul(dy as tf.Tensor, saved[0]), 2);
      },
    };
  });
}

for (const backend of testBackends()) {
  describe(`variableGrads on ${backend.name}`, { skip: backend.skip }, () => {
    before(() => backend.use());

    it('gives exactly the gradients of tf.variableGrads for a generator and a discriminator', () => {
      const opts = { ...defaultNetworkOptions, netG: 'resnet_6blocks' as const, ngf: 4, ndf: 4 };
      const g = new ResnetGenerator(opts, Rng.derive(7, 1));
      const d = new PatchDiscriminator(opts, Rng.derive(7, 2));
      const x = tf.randomUniform([2, 28, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      // Each generator weight is used twice (fake and reconstruction), as in a cycle.
      const loss = () => {
        const fake = g.apply(x);
        const rec = g.apply(fake);
        return tf.addN([
          ganLoss(d.apply(fake), true, 'lsgan'),
          tf.mul(l1Loss(rec, x), 10),
        ]) as tf.Scalar;
      };
      const vars = [...g.params.values(), ...d.params.values()];
      const before = tf.memory().numTensors;
      const ours = variableGrads(loss, vars);
      assert.equal(tf.memory().numTensors, before + 1 + ours.grads.size, 'no tensor leaked');
      const theirs = tf.variableGrads(loss, vars);
      assert.equal(ours.value.dataSync()[0], theirs.value.dataSync()[0]);
      assert.equal(ours.grads.size, vars.length);
      for (const v of vars) {
        assert.deepEqual(ours.grads.get(v)!.dataSync(), theirs.grads[v.name].dataSync(), v.name);
      }
      tf.dispose([
        ours.value,
        theirs.value,
        ...ours.grads.values(),
        ...Object.values(theirs.grads),
        x,
      ]);
      tf.dispose(vars);
    });

    it('frees intermediate gradients and saved tensors while walking back', () => {
      // A chain of 12 squares of a 1 MB tensor: tfjs keeps every intermediate
      // gradient and saved input until the end, we keep a few.
      const w = tf.variable(tf.fill([1 << 18], 0.999));
      const chain = (probe: { bytes: number }) => () => {
        const square = probedSquare(probe);
        let h: tf.Tensor = tf.mul(w, 1);
        for (let i = 0; i < 12; i++) h = square(h);
        return tf.sum(h) as tf.Scalar;
      };
      const ourProbe = { bytes: 0 };
      const theirProbe = { bytes: 0 };
      const base = tf.memory().numBytes;
      const ours = variableGrads(chain(ourProbe), [w]);
      const theirs = tf.variableGrads(chain(theirProbe), [w]);
      const mb = (b: number) => (b - base) / 2 ** 20;
      assert.ok(mb(ourProbe.bytes) < 4, `ours held ${mb(ourProbe.bytes)} MB at the first layer`);
      assert.ok(
        mb(theirProbe.bytes) > 20,
        `tfjs held ${mb(theirProbe.bytes)} MB at the first layer`,
      );
      assert.deepEqual(ours.grads.get(w)!.dataSync(), theirs.grads[w.name].dataSync());
      tf.dispose([
        ours.value,
        theirs.value,
        ...ours.grads.values(),
        ...Object.values(theirs.grads),
        w,
      ]);
    });

    it('handles a gradient that hands back its upstream tensor to two inputs', () => {
      const passThrough = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
        value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [dy as tf.Tensor, dy as tf.Tensor],
      }));
      const a = tf.variable(tf.tensor1d([1, 2, 3]));
      const b = tf.variable(tf.tensor1d([4, 5, 6]));
      const unused = tf.variable(tf.tensor1d([0]));
      const before = tf.memory().numTensors;
      const { value, grads } = variableGrads(
        () => tf.sum(tf.square(passThrough(a, b) as tf.Tensor)) as tf.Scalar,
        [a, b, unused],
      );
      // d/da sum((a+b)²) = 2(a+b)
      assert.deepEqual(Array.from(grads.get(a)!.dataSync()), [10, 14, 18]);
      assert.deepEqual(Array.from(grads.get(b)!.dataSync()), [10, 14, 18]);
      assert.equal(grads.has(unused), false);
      assert.equal(tf.memory().numTensors, before + 3);
      tf.dispose([value, ...grads.values(), a, b, unused]);
    });

    it('refuses a function that does not return a scalar, and leaves no tape behind', () => {
      const a = tf.variable(tf.tensor1d([1, 2]));
      const before = tf.memory().numTensors;
      assert.throws(
        () => variableGrads(() => tf.mul(a, 2) as unknown as tf.Scalar, [a]),
        /f must return a scalar tensor/,
      );
      assert.throws(
        () =>
          variableGrads(() => {
            tf.mul(a, 2);
            throw new Error('inside f');
          }, [a]),
        /inside f/,
      );
      assert.throws(
        () => variableGrads(() => tf.sum(tf.tensor1d([1, 2])) as tf.Scalar, [a]),
        /does not depend on any of the variables/,
      );
      const misshapen = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
        value: tf.mul(args[0] as tf.Tensor, 2),
        gradFunc: () => tf.ones([5]),
      }));
      assert.throws(
        () => variableGrads(() => tf.sum(misshapen(a) as tf.Tensor) as tf.Scalar, [a]),
        /gradient of .* for input 0 is float32 \[5\], expected float32 \[2\]/,
      );
      assert.equal(tf.memory().numTensors, before, 'nothing left behind by the failures');
      // The next computation starts from a clean tape.
      const { value, grads } = variableGrads(() => tf.sum(tf.mul(a, 3)) as tf.Scalar, [a]);
      assert.deepEqual(Array.from(grads.get(a)!.dataSync()), [3, 3]);
      tf.dispose([value, ...grads.values(), a]);
    });
  });
}
