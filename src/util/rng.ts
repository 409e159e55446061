/**
 * The project's one seeded pseudo-random generator (sfc32, 128-bit state).
 * Its state is four uint32 words, so it can be saved in a checkpoint and
 * restored exactly. `Rng.derive(seed, ...keys)` makes an independent stream
 * from a seed and integer keys (for example epoch and item index), which is
 * how data order and per-item crops stay reproducible after a resume.
 */
export class Rng {
  private s: Uint32Array;

  constructor(state: ArrayLike<number>) {
    if (state.length !== 4) throw new Error(`Rng state must have 4 words, got ${state.length}`);
    this.s = Uint32Array.from(state);
  }

  /** A generator seeded from an integer seed and optional integer keys. */
  static derive(seed: number, ...keys: number[]): Rng {
    let h = splitmix32(seed >>> 0);
    const words: number[] = [];
    for (const k of keys) h = splitmix32(h ^ (k >>> 0));
    for (let i = 0; i < 4; i++) {
      h = splitmix32(h + 0x9e3779b9 * (i + 1));
      words.push(h);
    }
    const rng = new Rng(words);
    for (let i = 0; i < 12; i++) rng.nextUint32(); // mix the seed through the state
    return rng;
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0] + s[1]) >>> 0) + s[3]) >>> 0;
    s[3] = (s[3] + 1) >>> 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) >>> 0;
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) >>> 0;
    s[2] = (s[2] + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }

  getState(): number[] {
    return Array.from(this.s);
  }
}

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
