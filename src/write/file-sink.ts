// Bytes to a file through two buffers of its own: one fills while the other is written, so the
// writer rarely waits for the disk, and no buffer is allocated per write. A stream would take a new
// buffer for every string written to it, a hundred megabytes of them for a million-row results file,
// held until the garbage collector gets to them: that is resident memory growing with the file.
import type { FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';

const BUFFER_BYTES = 256 * 1024;

export class FileSink {
  private readonly buffers = [Buffer.allocUnsafe(BUFFER_BYTES), Buffer.allocUnsafe(BUFFER_BYTES)];
  private current = 0;
  private used = 0;
  /** The write of the other buffer, while it is under way. */
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(private readonly handle: FileHandle) {}

  /** Text as UTF-8; a promise when a buffer went to the file: wait for it before writing more. */
  writeText(text: string): Promise<void> | undefined {
    this.check();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > BUFFER_BYTES) return this.after(this.flush(), () => this.handOver(Buffer.from(text, 'utf8')));
    if (this.used + bytes > BUFFER_BYTES) return this.after(this.flush(), () => this.encode(text, bytes));
    this.encode(text, bytes);
    return undefined;
  }

  /** Bytes, copied in; a promise when a buffer went to the file. */
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
    await this.writing;
    this.check();
  }

  /** Stops writing; what is under way finishes or fails unseen. */
  destroy(): void {
    this.closed = true;
    this.used = 0;
  }

  private encode(text: string, bytes: number): void {
    this.buffers[this.current]?.write(text, this.used, bytes, 'utf8');
    this.used += bytes;
  }

  private copy(bytes: Uint8Array): void {
    this.buffers[this.current]?.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Starts writing the current buffer, once the one before is written; switches to the other. */
  private flush(): Promise<void> | undefined {
    this.check();
    if (this.used === 0) return this.writing;
    const buffer = this.buffers[this.current] as Buffer;
    const length = this.used;
    this.current = 1 - this.current;
    this.used = 0;
    const before = this.writing;
    const write: Promise<void> = (before ?? Promise.resolve()).then(() => this.writeAll(buffer, length));
    this.writing = write;
    write.then(
      () => {
        if (this.writing === write) this.writing = undefined;
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    // The buffer now current is free only once the write before has finished with it. Otherwise a
    // turn of the event loop, where the file system's answers come back to a writer busy with rows.
    return before ?? nextTurn();
  }

  /** A piece larger than a buffer, written on its own after what is before it. */
  private handOver(bytes: Buffer): Promise<void> {
    const write = (this.writing ?? Promise.resolve()).then(() => this.writeAll(bytes, bytes.length));
    this.writing = write;
    write.then(
      () => {
        if (this.writing === write) this.writing = undefined;
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    return write;
  }

  private async writeAll(buffer: Buffer, length: number): Promise<void> {
    let done = 0;
    while (done < length) {
      if (this.closed) throw new Error('the file was closed');
      const { bytesWritten } = await this.handle.write(buffer, done, length - done);
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
