// The writers' buffers: a few, allocated when first needed and filled again and again. A buffer per
// write would be held until the garbage collector gets to it: resident memory growing with the file.

/**
 * Rows go to the file in pieces of about this many characters: one write a row costs more than the
 * row, and a longer piece would outlive a garbage collection.
 */
export const PIECE_CHARS = 8 * 1024;

/** Up to `max` buffers of `size` bytes, each given back once written, for the next to fill. */
export class BufferPool {
  private allocated = 0;
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly max: number,
  ) {}

  /** A buffer to fill, or undefined while every one is in use. */
  take(): Buffer | undefined {
    const buffer = this.free.pop();
    if (buffer || this.allocated >= this.max) return buffer;
    this.allocated++;
    return Buffer.allocUnsafeSlow(this.size);
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

/** Encodes `text` as UTF-8 into `buffer` from `at` when it fits: the bytes written, or -1 and nothing written. */
export function writeTextAt(buffer: Buffer, at: number, text: string): number {
  // A character is at most three bytes: most text fits without being measured first.
  if (text.length * 3 <= buffer.length - at) return buffer.write(text, at, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  return at + bytes <= buffer.length ? buffer.write(text, at, bytes, 'utf8') : -1;
}
