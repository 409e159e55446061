/**
 * Loading the native half of the onednn backend (build/Release/cyclegan_onednn.node) and the
 * TypeScript view of what it exports. The argument order of every method matches the C++
 * side in native/ (see the comment above each method there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One native backend: an oneDNN engine, a stream and the primitive cache. */
export interface NativeBackend {
  dispose(): void;
  cacheSize(): number;
  /** The filter tensor with this data number is gone; its reordered copies may be reused. */
  releaseFilter(id: number): void;
  /**
   * geometry: the 17 integers of `convGeometry`; then activation code, alpha, and the
   * filter's data number (OnednnBackend.dataNumber; -1: do not cache its reordered copy).
   */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    ...geometryActivationAlpha: number[]
  ): void;
  /** geometry as for conv2d, then the filter's data number. */
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    ...geometryFilterId: number[]
  ): void;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    ...geometry: number[]
  ): void;
  instanceNorm(
    x: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    batch: number,
    height: number,
    width: number,
    channels: number,
    epsilon: number,
    negativeSlope: number,
  ): void;
  instanceNormGrad(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    dx: Float32Array,
    batch: number,
    height: number,
    width: number,
    channels: number,
    negativeSlope: number,
  ): void;
  /** pad: 4 input dims, before/after for each of the 4 dims, mode (0 reflect, 1 symmetric). */
  mirrorPad(x: Float32Array, y: Float32Array, ...pad: number[]): void;
  /** Same pad arguments as mirrorPad; the dims are those of dx. */
  mirrorPadGrad(dy: Float32Array, dx: Float32Array, ...pad: number[]): void;
  /** out[i] = a[i % aPeriod] op b[i % bPeriod] for i < n (op: BinaryOp code). */
  binary(
    op: number,
    a: Float32Array,
    aPeriod: number,
    b: Float32Array,
    bPeriod: number,
    out: Float32Array,
    n: number,
  ): void;
  /** out[i] = op(x[i]) for i < n (op: UnaryOp code; alpha: LeakyRelu slope, Step value). */
  unary(op: number, x: Float32Array, out: Float32Array, n: number, alpha: number): void;
  /** One fused Adam step over n elements (see native/adam.cc). */
  adamUpdate(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    n: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    stepSize: number,
    sqrtBc2: number,
  ): void;
  /** out[i] = a[i % aPeriod] > b[i % bPeriod] ? 1 : 0 for i < n. */
  greater(
    a: Float32Array,
    aPeriod: number,
    b: Float32Array,
    bPeriod: number,
    out: Uint8Array,
    n: number,
  ): void;
  /** out[i] = condition[i] ? t[i] : e[i] for i < n. */
  select(
    condition: Uint8Array,
    t: Float32Array,
    e: Float32Array,
    out: Float32Array,
    n: number,
  ): void;
  /** pad: 4 input dims, before/after for each of the 4 dims, then the constant value. */
  pad(x: Float32Array, y: Float32Array, ...padValue: number[]): void;
  /** x as [outer, reduced, inner]; out[o, i] = scale * sum over r of x[o, r, i]. */
  sum(
    x: Float32Array,
    out: Float32Array,
    outer: number,
    reduced: number,
    inner: number,
    scale: number,
  ): void;
}

export interface NativeAddon {
  Backend: new (threads: number, bf16: boolean) => NativeBackend;
  isa(): string;
  hasBf16(): boolean;
  dnnlVersion(): string;
}

export type AddonLoad = { addon: NativeAddon } | { addon: null; reason: string };

const ADDON_FILE = path.join('build', 'Release', 'cyclegan_onednn.node');
export const INSTALL_HINT =
  'apt-get install libdnnl-dev, then npm rebuild (or node scripts/build-native.js)';

/** The package root: the nearest folder above this file that holds package.json. */
function packageRoot(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function isNativeAddon(value: unknown): value is NativeAddon {
  if (typeof value !== 'object' || value === null) return false;
  return ['Backend', 'isa', 'hasBf16', 'dnnlVersion'].every(
    (k) => typeof Reflect.get(value, k) === 'function',
  );
}

/**
 * oneDNN here runs on OpenMP, whose idle threads spin by default. On a machine where other
 * processes also want the cores, a spinning or descheduled team member stalls every parallel
 * region: measured on 2 shared cores, a 32x32 training step took 2 s instead of 0.27 s.
 * Sleeping idle threads cost a wake-up per region instead, which is small next to that. The
 * setting must be in the environment before libgomp loads with the addon; a user's own
 * OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
 */
function preferPassiveOpenMp(): void {
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
    process.env.OMP_WAIT_POLICY = 'passive';
  }
}

/**
 * Loads the addon from `root` (the package root); never throws. Node caches the loaded
 * module, so calling this again is cheap and no state needs to live in this file.
 */
export function loadAddon(root: string | null = packageRoot()): AddonLoad {
  if (root === null) return { addon: null, reason: 'package root (package.json) not found' };
  const file = path.join(root, ADDON_FILE);
  if (!fs.existsSync(file)) {
    return { addon: null, reason: `${ADDON_FILE} not built; to build it: ${INSTALL_HINT}` };
  }
  try {
    preferPassiveOpenMp();
    const loaded: unknown = require(file);
    if (!isNativeAddon(loaded)) return { addon: null, reason: `${ADDON_FILE} is not this addon` };
    return { addon: loaded };
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { addon: null, reason: `${ADDON_FILE} failed to load (${message}); ${INSTALL_HINT}` };
  }
}
