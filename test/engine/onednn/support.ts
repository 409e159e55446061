/**
 * Shared by the onednn tests: the skip reason when the addon is not built, backend
 * switching, seeded random inputs, and the comparison every case makes (the same
 * computation on the CPU backend and on onednn, compared relative to the largest
 * reference value).
 */
import * as assert from 'node:assert/strict';

import { tf } from '../../../src/engine/tf';
import { onednnStatus, registerOnednnBackend } from '../../../src/engine/onednn';
import { loadAddon } from '../../../src/engine/onednn/addon';
import { Rng } from '../../../src/util/rng';

/** `{ skip: 'oneDNN backend not built: ...' }` for node:test when the addon is missing. */
export function skipUnlessBuilt(): { skip?: string } {
  const status = onednnStatus();
  return status.available ? {} : { skip: `oneDNN backend not built: ${status.reason}` };
}

/** Whether this CPU runs bf16 convolutions natively (AVX-512 BF16 or AMX). */
export function cpuHasBf16(): boolean {
  return loadAddon().addon?.hasBf16() ?? false;
}

export const FP32_TOLERANCE = 1e-4;
export const BF16_TOLERANCE = 1e-2;

/** Registers onednn with 2 threads (so the threaded paths run) in the given precision. */
export function useOnednn(precision: 'fp32' | 'bf16' = 'fp32'): void {
  registerOnednnBackend({ threads: 2, precision });
}

export function randomValues(rng: Rng, shape: number[]): Float32Array {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.random() * 2 - 1;
  return values;
}

/** Runs `fn` on `backend` with fresh tensors made from `inputs`; returns every output's values. */
export async function runOn(
  backend: string,
  inputs: Array<{ values: Float32Array; shape: number[] }>,
  fn: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(() => {
    const tensors = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
    const result = fn(...tensors);
    return Array.isArray(result) ? result : [result];
  });
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  assert.equal(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
  return values;
}

/** Largest |actual - expected| divided by the largest |expected|, per output. */
export function assertClose(
  actual: Float32Array[],
  expected: Float32Array[],
  tolerance: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  expected.forEach((exp, k) => {
    const act = actual[k];
    assert.equal(act.length, exp.length, `${label}: output ${k} size`);
    let maxRef = 0;
    let maxErr = 0;
    for (let i = 0; i < exp.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(exp[i]));
      maxErr = Math.max(maxErr, Math.abs(act[i] - exp[i]));
      assert.ok(Number.isFinite(act[i]), `${label}: output ${k}[${i}] is ${act[i]}`);
    }
    const relative = maxErr / Math.max(maxRef, 1e-30);
    assert.ok(
      relative <= tolerance,
      `${label}: output ${k} differs by ${relative.toExponential(2)} of its largest value ` +
        `(tolerance ${tolerance})`,
    );
  });
}

/** Same inputs, same function, CPU backend against onednn. */
export async function compareWithCpu(
  label: string,
  inputs: Array<{ values: Float32Array; shape: number[] }>,
  fn: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  tolerance = FP32_TOLERANCE,
): Promise<void> {
  const expected = await runOn('cpu', inputs, fn);
  const actual = await runOn('onednn', inputs, fn);
  assertClose(actual, expected, tolerance, label);
}
