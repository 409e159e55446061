/**
 * Fidelity to the reference: the same weights and images in our networks and
 * in the PyTorch reference networks must give the same outputs, losses and
 * weight gradients, to 1e-4 relative error.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { CycleGAN } from '../../src/models/cyclegan';
import { defaultLossOptions } from '../../src/models/options';
import { toTorch } from '../../src/nn/params';
import { Rng } from '../../src/util/rng';
import { torchPython, torchReference } from '../support/python';
import { testBackends } from '../support/backends';

const py = torchPython();
const H = 36;
const W = 44;

interface Flat {
  data: number[];
  shape: number[];
}

function nchw(t: tf.Tensor4D): Flat {
  const x = tf.transpose(t, [0, 3, 1, 2]);
  const out = { data: Array.from(x.dataSync()), shape: x.shape.slice() };
  x.dispose();
  return out;
}

/** max |ours − theirs| over max(max |theirs|, floor). */
function relError(ours: ArrayLike<number>, theirs: ArrayLike<number>, floor: number): number {
  assert.equal(ours.length, theirs.length);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  return diff / scale;
}

function maxAbs(a: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

const cases = [
  { channels: 1 as const, netG: 'resnet_6blocks' as const, blocks: 6 },
  { channels: 3 as const, netG: 'resnet_9blocks' as const, blocks: 9 },
];

for (const backend of testBackends()) {
  describe(`fidelity to the PyTorch reference on ${backend.name}`, () => {
    for (const c of cases) {
      const name = `${c.netG}, ${c.channels} channel(s), ${H}×${W}, batch 1`;
      const skip = 'skip' in py ? py.skip : backend.skip;
      it(name, { skip }, async () => {
        await backend.use();
        const model = new CycleGAN(
          {
            netG: c.netG,
            netD: 'basic',
            nLayersD: 3,
            ngf: 8,
            ndf: 8,
            inputNc: c.channels,
            outputNc: c.channels,
            norm: 'instance',
            ...defaultLossOptions,
            poolSize: 0,
            beta1: 0.5,
          },
          Rng.derive(7, c.channels),
        );
        const rng = Rng.derive(8, c.channels);
        const image = () => {
          const v = new Float32Array(H * W * c.channels).map(() => rng.random() * 2 - 1);
          return tf.tensor4d(v, [1, H, W, c.channels]);
        };
        const realA = image();
        const realB = image();
        const weights: Record<string, Record<string, Flat>> = {};
        for (const [net, m] of Object.entries(model.networks)) {
          weights[net] = {};
          for (const [k, t] of Object.entries(toTorch(m.params))) {
            weights[net][k] = { data: Array.from(t.data), shape: t.shape };
          }
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-fidelity-'));
        const casePath = path.join(dir, 'case.json');
        const outPath = path.join(dir, 'out.json');
        fs.writeFileSync(
          casePath,
          JSON.stringify({
            channels: c.channels,
            ngf: 8,
            ndf: 8,
            blocks: c.blocks,
            ...defaultLossOptions,
            weights,
            realA: nchw(realA),
            realB: nchw(realB),
          }),
        );
        const script = path.join(
          __dirname,
          '..',
          '..',
          '..',
          'test',
          'models',
          'torch_fidelity.py',
        );
        const r = spawnSync(
          (py as { python: string }).python,
          [script, torchReference(), casePath, outPath],
          {
            encoding: 'utf8',
            env: { ...process.env, OMP_NUM_THREADS: '1' },
          },
        );
        assert.equal(r.status, 0, r.stderr);
        const ref = JSON.parse(fs.readFileSync(outPath, 'utf8'));
        fs.rmSync(dir, { recursive: true });

        tf.tidy(() => {
          const g = model.generatorGradients(realA, realB);
          const d = model.discriminatorGradients(realA, realB, g.fakeA, g.fakeB);
          const ours = {
            fakeB: nchw(g.fakeB),
            fakeA: nchw(g.fakeA),
            recA: nchw(g.recA),
            recB: nchw(g.recB),
            'D_A(realB)': nchw(model.D_A.apply(realB)),
            'D_B(realA)': nchw(model.D_B.apply(realA)),
          };
          for (const [k, v] of Object.entries(ours)) {
            assert.deepEqual(v.shape, ref.outputs[k].shape, `${k} shape`);
            const e = relError(v.data, ref.outputs[k].data, 1e-6);
            assert.ok(e < 1e-4, `${k}: relative error ${e}`);
          }
          const losses = [...g.losses, ...d.losses].map((l) => l.dataSync()[0]);
          losses.forEach((l, i) => {
            const e = Math.abs(l - ref.losses[i]) / Math.abs(ref.losses[i]);
            assert.ok(e < 1e-4, `loss ${i}: ${l} vs ${ref.losses[i]} (relative error ${e})`);
          });
          const grads = { ...g.grads, ...d.grads };
          assert.deepEqual(Object.keys(grads).sort(), Object.keys(ref.grads).sort());
          // A bias right before an instance norm has zero gradient in exact
          // arithmetic (the norm subtracts it again): both sides then hold
          // rounding noise, which is compared on the scale of the largest
          // gradient of the same network. Every other gradient is compared on
          // its own scale.
          const netScale: Record<string, number> = {};
          for (const [k, v] of Object.entries(ref.grads) as Array<[string, Flat]>) {
            const net = k.split('.')[0];
            netScale[net] = Math.max(netScale[net] ?? 0, maxAbs(v.data));
          }
          for (const [k, t] of Object.entries(grads)) {
            const torchLayout = t.rank === 4 ? tf.transpose(t, [3, 2, 0, 1]) : t;
            assert.deepEqual(torchLayout.shape, ref.grads[k].shape, `${k} shape`);
            const scale = netScale[k.split('.')[0]];
            const floor = maxAbs(ref.grads[k].data) < 1e-6 * scale ? scale : 1e-6;
            const e = relError(torchLayout.dataSync(), ref.grads[k].data, floor);
            assert.ok(e < 1e-4, `gradient of ${k}: relative error ${e}`);
          }
          tf.dispose([...g.losses, ...d.losses, g.fakeA, g.fakeB, g.recA, g.recB]);
        });
        tf.dispose([realA, realB]);
        model.dispose();
      });
    }
  });
}
