/**
 * The loop behind the API's background workers (webhook deliveries, bulk imports): a step run every
 * `pollMs` until stopped, at once when woken, never twice at the same time. The work itself is
 * claimed in the database, so each process runs its own loop.
 */
export class PollingLoop<T> {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private halted = false;
  private current: Promise<T> | undefined;

  constructor(
    private readonly step: () => Promise<T>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True once stop() was called: a step in progress should end as soon as it safely can. */
  get stopped() {
    return this.halted;
  }

  /** Runs the step every `pollMs` until stopped. */
  start() {
    if (this.running || this.halted) return;
    this.running = true;
    this.schedule(0);
  }

  /** Runs the step now instead of at the next poll (new work just arrived). */
  wake() {
    if (this.running && !this.halted && !this.current) this.schedule(0);
  }

  /** One step now; a call while a step is in progress shares that step. */
  run(): Promise<T> {
    if (this.current) return this.current;
    const step = this.step();
    this.current = step;
    return step.finally(() => {
      this.current = undefined;
    });
  }

  /** Stops polling; `interrupt` (e.g. aborting requests in flight) runs before waiting for the step in progress. */
  async stop(interrupt: () => void = () => {}) {
    this.halted = true;
    clearTimeout(this.timer);
    interrupt();
    await this.current?.catch(() => {});
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      try {
        await this.run();
      } catch (error) {
        this.onError(error);
      }
      if (!this.halted) this.schedule(this.pollMs);
    }, ms);
    this.timer.unref();
  }
}
