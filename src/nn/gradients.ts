import { tf } from '../engine/tf';

/**
 * Gradients of a scalar with respect to variables, as `tf.variableGrads`, but
 * with memory freed as the backward pass goes, the way PyTorch's autograd
 * frees it.
 *
 * TensorFlow.js records every kernel of `f` on a tape, each node holding the
 * tensors its gradient needs ("saved"), and keeps all of them, and every
 * intermediate gradient, until the whole backward pass has finished. For a
 * CycleGAN step at 256×256 that is twice the memory PyTorch needs. Here the
 * tape is walked by hand, newest node first, and:
 *   - the saved tensors of nodes that do not lie between the variables and
 *     the loss are freed as soon as the forward pass ends;
 *   - a node's saved tensors are freed once its gradient has run;
 *   - the gradient of a tensor is freed once the node that made the tensor
 *     has passed it on to that node's inputs.
 * The arithmetic is tfjs's own gradient functions, in tfjs's order, so the
 * results are identical to `tf.variableGrads`.
 *
 * The tape is an internal of tfjs-core (engine state `activeTape`, stable
 * across the 4.x line); `tapeOf` checks its shape so that a change there
 * fails loudly instead of leaking.
 */
export function variableGrads(
  f: () => tf.Scalar,
  variables: tf.Variable[],
): { value: tf.Scalar; grads: Map<tf.Variable, tf.Tensor> } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth !== 0) {
    throw new Error('variableGrads: nested gradient computations are not supported');
  }
  engine.startTape();
  let value: tf.Scalar;
  try {
    value = tf.tidy(f);
  } catch (e) {
    engine.endTape();
    disposeTape(engine);
    throw e;
  }
  engine.endTape();
  try {
    const tape = tapeOf(engine);
    if (!(value instanceof tf.Tensor) || value.rank !== 0) {
      throw new Error('variableGrads: f must return a scalar tensor');
    }
    // tidy keeps what it returns only when it finds it in arrays or plain objects, not Maps.
    const grads: Array<tf.Tensor | undefined> = tf.tidy(() => backward(tape, variables, value));
    const byVariable = new Map<tf.Variable, tf.Tensor>();
    variables.forEach((v, i) => {
      const g = grads[i];
      if (g !== undefined) byVariable.set(v, g);
    });
    return { value, grads: byVariable };
  } catch (e) {
    if (value instanceof tf.Tensor) value.dispose();
    throw e;
  } finally {
    disposeTape(engine);
  }
}

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  startTape(): void;
  endTape(): void;
}

function tapeOf(engine: EngineInternals): TapeNode[] {
  const tape = engine.state.activeTape;
  if (!Array.isArray(tape) || tape.some((n) => !Array.isArray(n.outputs) || !n.inputs)) {
    throw new Error('variableGrads: the TensorFlow.js tape has an unexpected shape');
  }
  return tape;
}

function disposeTape(engine: EngineInternals) {
  for (const node of engine.state.activeTape ?? []) disposeSaved(node);
  engine.state.activeTape = null;
}

/** Frees a node's saved tensors, except one that a gradient function handed on as a gradient. */
function disposeSaved(node: TapeNode, grads?: GradientMap) {
  for (const t of node.saved ?? []) if (!grads?.holds(t)) t.dispose();
  node.saved = [];
}

/**
 * Walks the tape backwards from `y`: the variables' gradients, undefined where
 * y does not depend on one.
 */
function backward(
  tape: TapeNode[],
  variables: tf.Variable[],
  y: tf.Scalar,
): Array<tf.Tensor | undefined> {
  const path = nodesBetween(tape, variables, y);
  if (path.size === 0) {
    throw new Error('variableGrads: the value of f does not depend on any of the variables');
  }
  for (const node of tape) if (!path.has(node)) disposeSaved(node);

  const grads = new GradientMap();
  grads.add(y, tf.onesLike(y));
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    const inputs = path.get(node);
    if (inputs === undefined) continue;
    const dys = node.outputs.map((o) => grads.get(o));
    if (dys.some((dy) => dy !== null)) {
      if (node.gradient === undefined) {
        throw new Error(`variableGrads: no gradient registered for ${node.kernelName}`);
      }
      const gradient = node.gradient;
      // One scope per node: custom gradients compute eagerly, outside the per-input closures.
      const dxs = tf.tidy(() => {
        const inputGrads = gradient(dys);
        return inputs.map(([name]) => {
          const gradOf = inputGrads[name];
          if (gradOf === undefined) {
            throw new Error(`variableGrads: ${node.kernelName} gave no gradient for input ${name}`);
          }
          return gradOf();
        });
      });
      inputs.forEach(([name, x], k) => {
        const dx = dxs[k];
        // As tfjs checks: a gradient of another shape would be broadcast into the sum silently.
        if (dx.dtype !== 'float32' || dx.shape.join() !== x.shape.join()) {
          throw new Error(
            `variableGrads: the gradient of ${node.kernelName} for input ${name} is ` +
              `${dx.dtype} [${dx.shape}], expected float32 [${x.shape}]`,
          );
        }
        grads.add(x, dx);
      });
    }
    disposeSaved(node, grads);
    for (const o of node.outputs) grads.release(o);
  }
  const out = variables.map((v) => grads.take(v));
  grads.disposeAll();
  return out;
}

/**
 * The nodes that lie on a path from a variable to y, each with the inputs
 * that depend on a variable (only those get gradients), as tfjs filters them.
 */
function nodesBetween(
  tape: TapeNode[],
  variables: tf.Variable[],
  y: tf.Tensor,
): Map<TapeNode, Array<[string, tf.Tensor]>> {
  const fromX = new Set<number>(variables.map((v) => v.id));
  const nodeFromX = new Set<TapeNode>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodeFromX.add(node);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const path = new Map<TapeNode, Array<[string, tf.Tensor]>>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node.outputs.some((o) => toY.has(o.id))) continue;
    for (const t of Object.values(node.inputs)) toY.add(t.id);
    if (nodeFromX.has(node)) {
      path.set(
        node,
        Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id)),
      );
    }
  }
  return path;
}

/**
 * Accumulated gradients by tensor id. A gradient function may hand back the
 * very tensor it was given (an identity), so one tensor can be the gradient
 * of several; it is disposed only when no entry holds it any more.
 */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(t: tf.Tensor): tf.Tensor | null {
    return this.byId.get(t.id) ?? null;
  }

  add(t: tf.Tensor, dx: tf.Tensor) {
    const current = this.byId.get(t.id);
    if (current === undefined) {
      this.hold(t.id, dx);
      return;
    }
    const sum = tf.add(current, dx);
    this.release(t);
    this.drop(dx);
    this.hold(t.id, sum);
  }

  /** Whether tensor g is held as some tensor's gradient. */
  holds(g: tf.Tensor): boolean {
    return this.holders.has(g);
  }

  /** Frees t's gradient (unless another entry holds the same tensor). */
  release(t: tf.Tensor) {
    const g = this.byId.get(t.id);
    if (g === undefined) return;
    this.byId.delete(t.id);
    this.unhold(g);
  }

  /** Removes t's gradient from the map and hands it to the caller. */
  take(t: tf.Tensor): tf.Tensor | undefined {
    const g = this.byId.get(t.id);
    if (g === undefined) return undefined;
    this.byId.delete(t.id);
    const n = this.holders.get(g)! - 1;
    if (n === 0) this.holders.delete(g);
    else this.holders.set(g, n);
    // Still held elsewhere: hand out a copy so that disposing the rest cannot free it.
    return n === 0 ? g : g.clone();
  }

  disposeAll() {
    for (const g of this.holders.keys()) g.dispose();
    this.byId.clear();
    this.holders.clear();
  }

  private hold(id: number, g: tf.Tensor) {
    this.byId.set(id, g);
    this.holders.set(g, (this.holders.get(g) ?? 0) + 1);
  }

  private unhold(g: tf.Tensor) {
    const n = (this.holders.get(g) ?? 1) - 1;
    if (n > 0) this.holders.set(g, n);
    else {
      this.holders.delete(g);
      g.dispose();
    }
  }

  /** Disposes a fresh gradient unless the map already holds that tensor. */
  private drop(dx: tf.Tensor) {
    if (!this.holders.has(dx)) dx.dispose();
  }
}
