// Rows travel between the stages in arrays, and become one-at-a-time only at the public edge.
// Each hop through an async generator costs a few promise turns; with a million rows and three
// stages that was a third of the run, as much as the CSV parsing itself. A batch is whatever the
// source had ready, so nothing waits for a batch to fill.
export type Batches<T> = AsyncGenerator<T[], void, undefined>;

/**
 * The readers split what they read into pieces of this many characters, a batch of rows from each:
 * a few hundred rows at a time. The rows of a batch live until the last of them is validated and
 * written, and a smaller batch keeps them out of the old generation of the heap.
 */
export const BATCH_CHARS = 16 * 1024;

/**
 * One item at a time from batches, for `for await`. An item already in hand costs one resolved
 * promise. Iterate once, from one consumer at a time.
 */
export class Flattened<T> implements AsyncIterableIterator<T> {
  private batch: T[] = [];
  private index = 0;
  private finished = false;

  constructor(private readonly source: AsyncIterator<T[], void, undefined>) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.index < this.batch.length) return Promise.resolve({ value: this.batch[this.index++] as T, done: false });
    return this.refill();
  }

  private async refill(): Promise<IteratorResult<T, undefined>> {
    while (!this.finished) {
      const next = await this.source.next();
      if (next.done) break;
      if (next.value.length > 0) {
        this.batch = next.value;
        this.index = 1;
        return { value: next.value[0] as T, done: false };
      }
    }
    this.finished = true;
    this.batch = [];
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.finished = true;
    this.batch = [];
    await this.source.return?.(undefined);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
