/**
 * Helpers of the wasm kernel tests: the same computation on the wasm backend (with our
 * kernels, 2 threads when the machine has them) and on the CPU backend, the reference.
 */
import * as assert from 'node:assert/strict';

import { selectBackend } from '../../../src/engine/backend';
import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/util/rng';

export type Side = 'wasm' | 'cpu';

export async function use(side: Side): Promise<void> {
  if (side === 'wasm') await selectBackend({ backend: 'wasm', threads: 2 });
  else await tf.setBackend('cpu');
}

/** Standard normal values from a fixed seed. */
export function normal(seed: number, shape: number[]): { values: Float32Array; shape: number[] } {
  const rng = Rng.derive(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return { values, shape };
}

/** Runs `fn` on one backend and returns its results' values (tensors are freed). */
export async function runOn(
  side: Side,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await use(side);
  const values: Float32Array[] = [];
  // Values are collected outside tidy's result: tidy would walk every element looking for tensors.
  tf.tidy(() => {
    const out = fn();
    for (const t of Array.isArray(out) ? out : [out]) values.push(t.dataSync() as Float32Array);
  });
  return values;
}

/** Runs `fn` on wasm and on cpu and checks every output agrees within `rtol`. */
export async function assertSameOnBoth(
  fn: () => tf.Tensor | tf.Tensor[],
  rtol = 1e-4,
): Promise<void> {
  const wasm = await runOn('wasm', fn);
  const cpu = await runOn('cpu', fn);
  assert.equal(wasm.length, cpu.length);
  wasm.forEach((values, i) => assertClose(values, cpu[i], rtol, `output ${i}`));
}

/**
 * |actual − expected| <= rtol · (|expected| + mean |expected|): relative, with the mean
 * magnitude as the floor for elements that cancel to near zero.
 */
export function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  rtol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let meanAbs = 0;
  for (const v of expected) meanAbs += Math.abs(v) / expected.length;
  assert.ok(meanAbs > 0, `${what}: reference is all zeros`);
  for (let i = 0; i < actual.length; i++) {
    const bound = rtol * (Math.abs(expected[i]) + meanAbs);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (±${bound})`);
    }
  }
}
