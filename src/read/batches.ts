// Rows travel between the stages in arrays, and become one-at-a-time only at the public edge.
// Each hop through an async generator costs a few promise turns; with a million rows and three
// stages that was a third of the run, as much as the CSV parsing itself. A batch is whatever the
// source had ready, so nothing waits for a batch to fill.
import type { Readable } from 'node:stream';

export type Batches<T> = AsyncGenerator<T[], void, undefined>;

/** What an object-mode stream has buffered, in arrays of up to `size`, without a promise per item. */
export async function* readableBatches<T>(stream: Readable, size = 1024): Batches<T> {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown) => {
    failure = error;
    wake?.();
  };
  stream.on('readable', onReadable);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const batch: T[] = [];
      let item: T | null;
      while (batch.length < size && (item = stream.read() as T | null) !== null) batch.push(item);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended || stream.readableEnded || stream.destroyed) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('close', onEnd);
    stream.off('error', onError);
  }
}

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
