import { tf } from '../engine/tf';
import { NamedTensor } from '../io/safetensors';
import { CycleGAN } from '../models/cyclegan';
import { loadTorch, toTorch } from '../nn/params';
import { Adam } from './adam';
import { CheckpointData } from './checkpoint';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';

/** Where a run stands: the next iteration to run is `iteration` of `epoch`. */
export interface TrainPosition {
  epoch: number;
  iteration: number;
  /** Iterations run since the start of the run. */
  totalIterations: number;
}

/** The model, its optimizers and pools as a checkpoint (weights in PyTorch layout). */
export function checkpointOf(
  model: CycleGAN,
  position: TrainPosition,
  options: Record<string, unknown>,
): CheckpointData {
  const networks: CheckpointData['networks'] = {};
  for (const [name, net] of Object.entries(model.networks)) networks[name] = toTorch(net.params);
  const optimizer: Record<string, NamedTensor> = {};
  for (const [prefix, adam] of optimizersOf(model))
    Object.assign(optimizer, toTorch(moments(prefix, adam)));
  const pools: Record<string, NamedTensor> = {};
  model.poolA.snapshot().forEach((t, i) => (pools[`fake_A.${i}`] = t));
  model.poolB.snapshot().forEach((t, i) => (pools[`fake_B.${i}`] = t));
  return {
    networks,
    optimizer,
    pools,
    state: {
      ...position,
      step: model.step,
      optimizerSteps: { G: model.optimizerG.step, D: model.optimizerD.step },
      poolRng: { A: model.poolA.rngState, B: model.poolB.rngState },
      options,
    },
  };
}

/** Puts a checkpoint back into a model built with the same options. */
export function restoreFrom(model: CycleGAN, data: CheckpointData, source: string): TrainPosition {
  for (const [name, net] of Object.entries(model.networks)) {
    loadTorch(net.params, data.networks[name] ?? {}, `${source}/${name}.safetensors`);
  }
  for (const [prefix, adam] of optimizersOf(model)) {
    loadTorch(moments(prefix, adam), data.optimizer, `${source}/optimizer.safetensors`);
  }
  const s = checkedState(data.state, `${source}/state.json`);
  model.step = s.step;
  model.optimizerG.step = s.optimizerSteps.G;
  model.optimizerD.step = s.optimizerSteps.D;
  const pool = (name: string) =>
    Object.keys(data.pools)
      .filter((k) => k.startsWith(`${name}.`))
      .sort((x, y) => Number(x.split('.')[1]) - Number(y.split('.')[1]))
      .map((k) => data.pools[k]);
  model.poolA.restore(pool('fake_A'), new Rng(s.poolRng.A));
  model.poolB.restore(pool('fake_B'), new Rng(s.poolRng.B));
  return { epoch: s.epoch, iteration: s.iteration, totalIterations: s.totalIterations };
}

/** Adam's first and second moments under `<G|D>.<m|v>.<network>.<weight>` names. */
function moments(prefix: string, adam: Adam): Map<string, tf.Variable> {
  const named = new Map<string, tf.Variable>();
  for (const [kind, map] of [
    ['m', adam.m],
    ['v', adam.v],
  ] as const) {
    for (const [k, v] of map) named.set(`${prefix}.${kind}.${k}`, v);
  }
  return named;
}

function optimizersOf(model: CycleGAN): Array<[string, Adam]> {
  return [
    ['G', model.optimizerG],
    ['D', model.optimizerD],
  ];
}

interface SavedState extends TrainPosition {
  step: number;
  optimizerSteps: { G: number; D: number };
  poolRng: { A: number[]; B: number[] };
}

/** state.json as `checkpointOf` writes it, or a UserError naming the file. */
function checkedState(state: Record<string, unknown>, file: string): SavedState {
  const s = state as Partial<SavedState>;
  const int = (v: unknown) => Number.isInteger(v);
  const rng = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every(int);
  const ok =
    int(s.epoch) &&
    int(s.iteration) &&
    int(s.totalIterations) &&
    int(s.step) &&
    int(s.optimizerSteps?.G) &&
    int(s.optimizerSteps?.D) &&
    rng(s.poolRng?.A) &&
    rng(s.poolRng?.B);
  if (!ok) {
    throw new UserError(
      `${file} is not a checkpoint state this version can resume from ` +
        '(needs epoch, iteration, totalIterations, step, optimizerSteps and poolRng).',
    );
  }
  return s as SavedState;
}
