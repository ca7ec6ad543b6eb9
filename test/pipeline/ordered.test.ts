import { describe, expect, it } from 'vitest';
import { OrderedQueue } from '../../src/pipeline/ordered.js';

describe('OrderedQueue', () => {
  it('writes rows in the order they were reserved, whatever order they finish in', async () => {
    const written: string[] = [];
    const queue = new OrderedQueue<string>(async (s) => void written.push(s), 10);
    const seqs = await Promise.all([queue.reserve(), queue.reserve(), queue.reserve()]);
    queue.complete(seqs[2]!, 'c');
    queue.complete(seqs[0]!, 'a');
    await queue.flushed();
    expect(written).toEqual(['a']);
    queue.complete(seqs[1]!, 'b');
    await queue.flushed();
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('holds the reader back while the oldest row is unfinished and the window is full', async () => {
    const queue = new OrderedQueue<number>(async () => undefined, 2);
    const first = await queue.reserve();
    await queue.reserve();
    let third: number | undefined;
    const waiting = queue.reserve().then((n) => (third = n));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBeUndefined();
    queue.complete(first, 0);
    await waiting;
    expect(third).toBe(2);
  });

  it('reports a failed write', async () => {
    const queue = new OrderedQueue<number>(async () => {
      throw new Error('disk full');
    }, 2);
    queue.complete(await queue.reserve(), 1);
    await expect(queue.flushed()).rejects.toThrow('disk full');
  });

  it('after a write fails: no later row is written, no more are taken, and nothing is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const written: number[] = [];
      const queue = new OrderedQueue<number>(async (n) => {
        if (n === 1) throw new Error('disk full');
        written.push(n);
      }, 10);
      for (const n of [0, 1, 2]) queue.complete(await queue.reserve(), n);
      await new Promise((r) => setTimeout(r, 20));
      expect(written).toEqual([0]);
      await expect(queue.reserve()).rejects.toThrow('disk full');
      await expect(queue.flushed()).rejects.toThrow('disk full');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
