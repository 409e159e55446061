import { SingleBar } from 'cli-progress';

/**
 * A progress bar over a known number of files, with rate, ETA and failures. Where stderr
 * is not a terminal (a batch job's log) it prints a plain line at every tenth of the work
 * instead, so logs stay short and readable.
 */
export class CountBar {
  private bar?: SingleBar;
  private started = 0;
  private done = 0;
  private failed = 0;
  private total = 0;
  private nextLine = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly label: string) {}

  start(total: number) {
    this.total = total;
    this.started = performance.now();
    this.nextLine = Math.max(1, Math.ceil(total / 10));
    if (!this.tty || total === 0) return;
    this.bar = new SingleBar({
      format: `${this.label} {bar} {value}/{total} | {rate} files/s | ETA {eta_formatted} | {failed} failed`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      stream: process.stderr,
    });
    this.bar.start(total, 0, { rate: '-', failed: 0 });
  }

  /** One more file finished (`ok` false: it failed). */
  tick(ok: boolean) {
    this.done += 1;
    if (!ok) this.failed += 1;
    const rate = this.rate();
    if (this.bar) {
      this.bar.update(this.done, { rate: rate.toFixed(2), failed: this.failed });
    } else if (this.done >= this.nextLine || this.done === this.total) {
      this.nextLine += Math.max(1, Math.ceil(this.total / 10));
      const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
      process.stderr.write(
        `${this.label}: ${this.done}/${this.total} (${Math.floor((100 * this.done) / this.total)}%), ` +
          `${rate.toFixed(2)} files/s, ETA ${formatSeconds(eta)}, ${this.failed} failed\n`,
      );
    }
  }

  /** Prints a line above the bar, through `write` (stderr by default). */
  log(line: string, write: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
    if (this.bar) {
      process.stderr.write('\r\x1b[K');
      write(line);
      this.bar.render();
    } else {
      write(line);
    }
  }

  stop() {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** Files per second since start. */
  rate(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }
}

/** `2m08s`, `1h02m`, `45s`, `-` */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
