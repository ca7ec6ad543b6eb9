// Time for tests: `now` and `sleep` that move only when the test says so, and a record of every
// delay asked for, so a test asserts the waits instead of sleeping through them.

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly wake: () => void;
}

export class VirtualClock {
  private time = 0;
  private order = 0;
  private timers: Timer[] = [];
  /** Every delay passed to `sleep`, in the order asked. */
  readonly sleeps: number[] = [];

  readonly now = (): number => this.time;

  readonly sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise((wake) => {
      this.timers.push({ at: this.time + Math.max(0, ms), order: this.order++, wake });
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
    });
  };

  /** Lets every promise chain that does not wait for a timer run to its end. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Fires timers in time order, settling between them, up to `untilMs` or until none is left. */
  async run(untilMs = Infinity): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.timers[0];
      if (!next || next.at > untilMs) break;
      this.timers.shift();
      this.time = next.at;
      next.wake();
      await this.settle();
    }
    if (Number.isFinite(untilMs)) this.time = Math.max(this.time, untilMs);
  }

  /** Runs until `promise` settles (it must, through timers alone), then returns its value or throws its error. */
  async until<T>(promise: Promise<T>): Promise<T> {
    let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    // Handled at once, so a rejection is never reported as unhandled while timers still run.
    void promise.then(
      (value) => (settled = { ok: true, value }),
      (error: unknown) => (settled = { ok: false, error }),
    );
    await this.settle();
    while (!settled) {
      const next = this.timers.shift();
      if (!next) throw new Error('VirtualClock: nothing left to run, but the promise has not settled');
      this.time = next.at;
      next.wake();
      await this.settle();
    }
    if (!settled.ok) throw settled.error;
    return settled.value;
  }
}
