import { SingleBar } from 'cli-progress';
import { StepLosses } from '../models/cyclegan';

/**
 * One bar per epoch with ETA, iterations/s and the current losses. Where
 * stderr is not a terminal (CI, a log file) the bar is replaced by a plain
 * line at every tenth of the epoch and one at its end, so logs stay readable.
 */
export class EpochBar {
  private bar?: SingleBar;
  private started = 0;
  private done = 0;
  private readonly tty = process.stderr.isTTY === true;
  private label = '';
  private total = 0;
  private nextLine = 0;

  start(label: string, total: number, first: number) {
    this.started = performance.now();
    this.done = 0;
    this.label = label;
    this.total = total;
    this.nextLine = first + Math.ceil(total / 10);
    if (!this.tty) return;
    this.bar = new SingleBar({
      format: `${label} {bar} {value}/{total} | {rate} it/s | ETA {eta_formatted} | {losses}`,
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      stream: process.stderr,
    });
    this.bar.start(total, first, { rate: '-', losses: '' });
  }

  update(value: number, losses: StepLosses) {
    this.done += 1;
    const rate = this.done / ((performance.now() - this.started) / 1000);
    this.bar?.update(value, { rate: rate.toFixed(2), losses: formatLosses(losses) });
    if (!this.tty && value >= this.nextLine && value < this.total) {
      this.nextLine += Math.ceil(this.total / 10);
      const eta = Math.round((this.total - value) / rate);
      process.stderr.write(
        `${this.label} ${value}/${this.total} | ${rate.toFixed(2)} it/s | ETA ${eta} s | ` +
          `${formatLosses(losses)}\n`,
      );
    }
  }

  stop(summary: string) {
    if (this.bar) this.bar.stop();
    else if (summary !== '') process.stderr.write(summary + '\n');
    this.bar = undefined;
  }
}

/** `D_A 0.251 G_A 0.480 cycle_A 1.930 idt_A 0.880 D_B …`: the loss names of log.jsonl. */
export function formatLosses(l: StepLosses): string {
  const f = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));
  return (
    `D_A ${f(l.D_A)} G_A ${f(l.G_A)} cycle_A ${f(l.cycle_A)} idt_A ${f(l.idt_A)} ` +
    `D_B ${f(l.D_B)} G_B ${f(l.G_B)} cycle_B ${f(l.cycle_B)} idt_B ${f(l.idt_B)}`
  );
}

/** Running means of the losses over the iterations of an epoch, for its summary line. */
export class LossMeans {
  private sums: Partial<Record<keyof StepLosses, number>> = {};
  private count = 0;

  add(losses: StepLosses) {
    for (const [k, v] of Object.entries(losses) as Array<[keyof StepLosses, number]>) {
      this.sums[k] = (this.sums[k] ?? 0) + v;
    }
    this.count += 1;
  }

  /** The means so far, then starts over; undefined when nothing was added. */
  take(): StepLosses | undefined {
    if (this.count === 0) return undefined;
    const n = this.count;
    const means = Object.fromEntries(
      Object.entries(this.sums).map(([k, v]) => [k, (v as number) / n]),
    ) as unknown as StepLosses;
    this.sums = {};
    this.count = 0;
    return means;
  }
}
