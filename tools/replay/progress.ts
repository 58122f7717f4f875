/**
 * Replay, progress: a one-line bar on stderr for the sending phase and for the tagger catching up.
 */

/** A one-line progress bar on a stream: redrawn in place on a terminal, a plain line every few seconds otherwise. */
export class ProgressBar {
  private lastDraw = 0;
  private readonly startedAt = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly base = 0,
    private readonly unit = 'ev/s',
  ) {
    this.tty = Boolean(out.isTTY);
  }

  update(done: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const width = 30;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? (done - this.base) / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${this.total.toLocaleString('en')} ` +
      `${(fraction * 100).toFixed(1)}% ${Math.round(rate).toLocaleString('en')} ${this.unit} elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}`;
    if (this.tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(line + '\n');
  }

  /** Draws the final state and ends the line. */
  done(done: number, note = ''): void {
    this.update(done, true);
    if (this.tty) this.out.write(note ? ` ${note}\n` : '\n');
    else if (note) this.out.write(`${this.label} ${note}\n`);
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
