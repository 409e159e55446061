import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { conv, torchPad } from '../../src/nn/conv';
import { variableGrads } from '../../src/nn/gradients';
import { Params } from '../../src/nn/params';
import { testBackends } from '../support/backends';

for (const backend of testBackends()) {
  describe(`conv with bias on ${backend.name}`, { skip: backend.skip }, () => {
    before(() => backend.use());

    for (const [stride, pad] of [
      [1, 0],
      [2, 1],
    ]) {
      it(`stride ${stride} pad ${pad}: value and gradients equal tf.fused.conv2d's, batch 3`, () => {
        const x = tf.randomUniform([3, 9, 11, 5], -1, 1, 'float32', 1) as tf.Tensor4D;
        const weight = tf.variable(tf.randomUniform([3, 3, 5, 7], -1, 1, 'float32', 2));
        const bias = tf.variable(tf.randomUniform([7], -1, 1, 'float32', 3));
        const params: Params = new Map([
          ['c.weight', weight],
          ['c.bias', bias],
        ]);
        const dy = tf.randomUniform([3, 9, 11, 7], -1, 1, 'float32', 4);
        const ours = (input: tf.Tensor4D) => conv(params, 'c', input, stride, pad);
        const theirs = (input: tf.Tensor4D) =>
          tf.fused.conv2d({
            x: input,
            filter: weight as tf.Tensor4D,
            strides: stride,
            pad: torchPad(pad),
            bias,
          });
        const ySlice = (y: tf.Tensor) => tf.slice(dy, [0, 0, 0, 0], y.shape);
        const loss = (f: typeof ours) => () => {
          const y = f(x);
          return tf.sum(tf.mul(y, ySlice(y))) as tf.Scalar;
        };
        assert.deepEqual(ours(x).dataSync(), theirs(x).dataSync());
        const a = variableGrads(loss(ours), [weight, bias]);
        const b = variableGrads(loss(theirs), [weight, bias]);
        for (const v of [weight, bias]) {
          assert.deepEqual(a.grads.get(v)!.dataSync(), b.grads.get(v)!.dataSync());
        }
        tf.dispose([a.value, b.value, ...a.grads.values(), ...b.grads.values()]);
        // The input gradient too, through tf.grad.
        const dxWith = (f: typeof ours) =>
          tf.grad((t: tf.Tensor) => {
            const y = f(t as tf.Tensor4D);
            return tf.sum(tf.mul(y, ySlice(y)));
          })(x);
        assert.deepEqual(dxWith(ours).dataSync(), dxWith(theirs).dataSync());
        tf.dispose([x, weight, bias, dy]);
      });
    }

    it('computes no input gradient for an input that is not trained (a real image)', async () => {
      const x = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
      const weight = tf.variable(tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 6));
      const bias = tf.variable(tf.zeros([4]));
      const params: Params = new Map([
        ['c.weight', weight],
        ['c.bias', bias],
      ]);
      const profile = await tf.profile(() => {
        const { value, grads } = variableGrads(
          () => tf.sum(conv(params, 'c', x, 1, 1)) as tf.Scalar,
          [weight, bias],
        );
        tf.dispose([value, ...grads.values()]);
      });
      const kernels = profile.kernels.map((k) => k.name);
      assert.ok(kernels.includes('Conv2DBackpropFilter'), kernels.join());
      assert.ok(!kernels.includes('Conv2DBackpropInput'), kernels.join());
      tf.dispose([x, weight, bias]);
    });
  });
}
