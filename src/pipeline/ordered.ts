// Rows finish in any order but are written in input order. Finished rows wait here until every row
// before them is done; the reader is held back once too many wait, so memory stays bounded.

export class OrderedQueue<T> {
  private readonly waiting = new Map<number, T>();
  private nextToWrite = 0;
  private nextToAssign = 0;
  private chain: Promise<void> = Promise.resolve();
  private roomWaiters: Array<() => void> = [];
  /** The first write that failed: no row is written after it, and no more are taken. */
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly write: (item: T) => Promise<void>,
    /** How far ahead of the oldest unfinished row the reader may go. */
    private readonly window: number,
  ) {}

  /** A place in the output for the next row read. Waits while the window is full; throws once a write failed. */
  async reserve(): Promise<number> {
    while (this.nextToAssign - this.nextToWrite >= this.window) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.failure) throw this.failure.error;
    return this.nextToAssign++;
  }

  /** Hands in a finished row; it is written once all rows before it are. */
  complete(seq: number, item: T): void {
    this.waiting.set(seq, item);
    this.drain();
  }

  /** Resolves when every handed-in row that can be written has been; rejects if a write failed. */
  flushed(): Promise<void> {
    return this.chain;
  }

  get reserved(): number {
    return this.nextToAssign;
  }

  private drain(): void {
    while (this.waiting.has(this.nextToWrite)) {
      const item = this.waiting.get(this.nextToWrite)!;
      this.waiting.delete(this.nextToWrite);
      this.nextToWrite++;
      this.chain = this.chain.then(() => this.write(item));
      // Seen here at once, and by whoever waits on flushed() or reserve(): never an unhandled rejection.
      this.chain.catch((error: unknown) => (this.failure ??= { error }));
    }
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
