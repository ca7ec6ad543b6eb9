// Bytes to a file through a few buffers of its own: one fills while the others are written, so the
// writer seldom waits for the disk, and no buffer is allocated per write. A stream would take a new
// buffer for every string written to it, a hundred megabytes of them for a million-row results file,
// held until the garbage collector gets to them: that is resident memory growing with the file.
import type { FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BufferPool, writeTextAt } from './buffers.js';

const BUFFER_BYTES = 256 * 1024;
/**
 * Buffers at most. The file system's answers come back only when the writer, busy with rows, lets the
 * event loop turn: several writes may be done and not yet known to be, and each write goes to its own
 * place in the file, so that none waits for a turn to begin after the one before.
 */
const MAX_BUFFERS = 8;

export class FileSink {
  private readonly buffers = new BufferPool(BUFFER_BYTES, MAX_BUFFERS);
  private current: Buffer = this.buffers.take()!;
  private used = 0;
  /** Writes under way, each to its own place in the file, so they need not wait for one another. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Where the next write goes. */
  private position = 0;
  private failure: unknown;
  private closed = false;

  constructor(private readonly handle: FileHandle) {}

  /**
   * Text as UTF-8. A promise when a buffer went to the file (for a turn of the event loop), or when
   * every buffer is in use: wait for it before writing more.
   */
  writeText(text: string): Promise<void> | undefined {
    this.check();
    const written = writeTextAt(this.current, this.used, text);
    if (written >= 0) {
      this.used += written;
      return undefined;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > BUFFER_BYTES) return this.after(this.flush(), () => this.handOver(Buffer.from(text, 'utf8')));
    return this.after(this.flush(), () => this.encode(text));
  }

  /** Bytes, copied in; a promise as for writeText. */
  write(bytes: Uint8Array): Promise<void> | undefined {
    this.check();
    if (bytes.length > BUFFER_BYTES) return this.after(this.flush(), () => this.handOver(Buffer.from(bytes)));
    if (this.used + bytes.length > BUFFER_BYTES) return this.after(this.flush(), () => this.copy(bytes));
    this.copy(bytes);
    return undefined;
  }

  /** Everything written so far on disk (not yet made durable: that is the caller's fsync). */
  async end(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
    this.check();
  }

  /** Stops writing; what is under way finishes or fails unseen. */
  destroy(): void {
    this.closed = true;
    this.used = 0;
  }

  /** Text into the current buffer, which its caller made room in. */
  private encode(text: string): void {
    const written = writeTextAt(this.current, this.used, text);
    if (written < 0) throw new Error('a write did not wait for the one before it');
    this.used += written;
  }

  private copy(bytes: Uint8Array): void {
    this.current.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Starts writing the current buffer and takes a free one; a promise for a turn, or until one is free. */
  private flush(): Promise<void> | undefined {
    this.check();
    if (this.used === 0) return undefined;
    const buffer = this.current;
    this.enqueue(buffer, this.used, true);
    this.used = 0;
    const next = this.buffers.take();
    if (next) {
      this.current = next;
      // A turn of the event loop: a writer busy with rows would otherwise hold off the file system's
      // answers, and the garbage collector's own tasks, which run between turns.
      return nextTurn();
    }
    return this.takeFree();
  }

  /** Every buffer is being written: the first to be done comes free (a piece of its own frees none). */
  private async takeFree(): Promise<void> {
    let next: Buffer | undefined;
    while (!(next = this.buffers.take())) await Promise.race(this.inFlight);
    this.current = next;
  }

  /** A piece larger than a buffer, written on its own after what is before it. */
  private handOver(bytes: Buffer): Promise<void> {
    return this.enqueue(bytes, bytes.length, false);
  }

  private enqueue(buffer: Buffer, length: number, reuse: boolean): Promise<void> {
    const position = this.position;
    this.position += length;
    const done: Promise<void> = this.writeAll(buffer, length, position).then(
      () => {
        this.inFlight.delete(done);
        if (reuse) this.buffers.give(buffer);
      },
      (error: unknown) => {
        this.inFlight.delete(done);
        this.failure ??= error;
        throw error;
      },
    );
    // Seen by end() and by the writes that wait; without a handler here it would also be unhandled.
    done.catch(() => undefined);
    this.inFlight.add(done);
    return done;
  }

  private async writeAll(buffer: Buffer, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      if (this.closed) throw new Error('the file was closed');
      const { bytesWritten } = await this.handle.write(buffer, done, length - done, position + done);
      done += bytesWritten;
    }
  }

  private after(wait: Promise<void> | undefined, then: () => unknown): Promise<void> | undefined {
    if (!wait) {
      const more = then();
      return more instanceof Promise ? more : undefined;
    }
    return wait.then(async () => {
      this.check();
      await then();
    });
  }

  private check(): void {
    if (this.closed) throw new Error('the file was closed');
    if (this.failure !== undefined) throw this.failure;
  }
}
