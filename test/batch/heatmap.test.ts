import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffHeatmap } from '../../src/batch/heatmap';

describe('diff heat map', () => {
  it('no change shows the grey input; half-range change is full yellow; quarter is half red', () => {
    // inputs (grey in [-1, 1]) and outputs: unchanged black, +0.25 of the range, -1 → 1
    const input = {
      data: Float32Array.from([-1, 0, -1, 0.5]),
      width: 4,
      height: 1,
      channels: 1 as const,
    };
    const output = Float32Array.from([-1, 0.5, 1, 0.5]);
    const map = diffHeatmap(input, output, 1);
    assert.deepEqual([map.width, map.height, map.channels], [4, 1, 3]);
    const expected = [
      [-1, -1, -1], // d = 0: the input, black
      [0.5, -0.5, -0.5], // grey 0.5, d = 0.25, t = 0.5: half red over half grey → 0.75, 0.25, 0.25
      [1, 1, -1], // d = 1: yellow
      [0.5, 0.5, 0.5], // unchanged grey 0.75
    ].flat();
    Array.from(map.data).forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-6, `${i}: ${v}`),
    );
  });

  it('RGB images are compared by Rec. 709 grey', () => {
    const input = {
      data: Float32Array.from([1, -1, -1]),
      width: 1,
      height: 1,
      channels: 3 as const,
    };
    const same = diffHeatmap(input, Float32Array.from([1, -1, -1]), 3);
    const g = 0.2126; // grey of pure red in [0, 1]
    Array.from(same.data).forEach((v) => assert.ok(Math.abs(v - (2 * g - 1)) < 1e-6));
    const toGrey = diffHeatmap(input, Float32Array.from([2 * g - 1]), 1);
    Array.from(toGrey.data).forEach((v) => assert.ok(Math.abs(v - (2 * g - 1)) < 1e-6));
  });

  it('refuses output data of the wrong size', () => {
    const input = { data: new Float32Array(4), width: 2, height: 2, channels: 1 as const };
    assert.throws(() => diffHeatmap(input, new Float32Array(3), 1), {
      message: 'diffHeatmap: output holds 3 values, expected 2x2x1',
    });
  });
});
