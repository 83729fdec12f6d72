import type { Output } from './command.js';

/**
 * Progress on stderr: a bar redrawn in place when stderr is a terminal, otherwise a plain line now
 * and then (about every tenth of the work, and at most every few seconds), so logs stay readable.
 */
export class Progress {
  private readonly tty: boolean;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastLine = 0;
  private lastStep = -1;
  private shown = '';
  private lastText = '';

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly total?: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.isTTY === true;
  }

  update(done: number, detail = '', force = false): void {
    const t = this.now();
    if (this.tty) {
      if (!force && t - this.lastDraw < 80) return;
      this.lastDraw = t;
      this.draw(this.bar(done, detail));
      return;
    }
    const step = this.total ? Math.floor((done / this.total) * 10) : Math.floor(done / 100);
    if (force || step > this.lastStep || t - this.lastLine > 5000) {
      this.lastStep = step;
      this.lastLine = t;
      const of = this.total !== undefined ? `${done}/${this.total}` : `${done}`;
      const text = `${this.label}: ${of}${detail ? ` (${detail})` : ''}\n`;
      if (text !== this.lastText) this.out.write(text);
      this.lastText = text;
    }
  }

  /** A message on its own line, above the bar. */
  log(message: string): void {
    if (!this.tty) {
      this.out.write(`${message}\n`);
      return;
    }
    const bar = this.shown;
    this.clear();
    this.out.write(`${message}\n`);
    if (bar) this.draw(bar);
  }

  /** Removes the bar (terminal) before the summary is printed. */
  end(): void {
    if (this.tty) this.clear();
  }

  private bar(done: number, detail: string): string {
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
    if (!this.total) return `${this.label} ${done}${detail ? ` · ${detail}` : ''}`;
    const ratio = Math.min(1, done / this.total);
    const filled = Math.round(ratio * width);
    const percent = String(Math.floor(ratio * 100)).padStart(3);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${this.total}${detail ? ` · ${detail}` : ''}`;
  }

  private draw(text: string): void {
    this.shown = text;
    this.out.write(`\r\x1b[2K${text}`);
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = '';
  }
}
