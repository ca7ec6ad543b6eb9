// The content of one zip entry streamed in, deflated in pieces on the thread pool (zip-writer.ts
// writes the headers around it).
import { constants, crc32, deflateRaw } from 'node:zlib';
import { BufferPool, writeTextAt } from './buffers.js';

/** Where the archive goes: bytes in order, and a promise when the writer must wait. */
export interface ZipOutput {
  write(bytes: Uint8Array): Promise<void> | undefined;
}

/**
 * One streamed entry: text in, deflated bytes out into the archive. The text is encoded into pieces of
 * about 256 KB, each deflated on its own on the thread pool and ending with a sync flush, so the pieces
 * join into one deflate stream, closed by an empty final block. zlib's stream object would hand every
 * chunk back through the event loop before taking the next, and a writer busy with rows turns the
 * event loop seldom: zlib would wait for it. Independent pieces deflate side by side while the rows go
 * on. The pieces are encoded into a few buffers kept for the purpose: a buffer per piece would be held
 * until the garbage collector gets to it, tens of megabytes of them.
 */
export class ZipEntryStream {
  private crc = 0;
  private uncompressed = 0;
  private compressed = 0;
  private readonly buffers = new BufferPool(PIECE_BYTES, MAX_PIECES);
  /** The piece being filled (undefined while the writer waits for a buffer to come free), and how far. */
  private piece: Buffer | undefined = this.buffers.take();
  private used = 0;
  /** Pieces deflating or waiting to be written out, in order: each one's promise that it is written. */
  private readonly queue: Array<Promise<void>> = [];
  /** Writing the deflated pieces out, in order. */
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private destroyed = false;

  constructor(
    private readonly out: ZipOutput,
    private readonly level: number,
    private readonly done: (crc: number, compressed: number, uncompressed: number) => Promise<void>,
  ) {}

  /** A promise when a piece went to be deflated and no buffer is free: wait for it before writing more. */
  write(text: string): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.destroyed) throw new Error('the zip entry was destroyed');
    const piece = this.piece;
    if (!piece) throw new Error('a zip entry was written before its buffer came free');
    const written = writeTextAt(piece, this.used, text);
    if (written >= 0) {
      this.used += written;
      return this.used >= PIECE_TARGET ? this.send() : undefined;
    }
    // Longer than the room left: the piece so far, then the text as a piece of its own.
    const before = this.used > 0 ? this.send() : undefined;
    const own = Buffer.from(text, 'utf8');
    const after = () => {
      this.deflate(own, own.length, false);
      return this.queue.length >= MAX_PIECES ? this.queue[0] : undefined;
    };
    return before ? before.then(after) : after();
  }

  async end(): Promise<void> {
    if (this.used > 0) await this.send();
    await this.writing;
    // An empty final block ends the stream of sync-flushed pieces.
    const last = Buffer.from([0x03, 0x00]);
    this.compressed += last.length;
    await this.out.write(last);
    await this.done(this.crc, this.compressed, this.uncompressed);
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Sends the piece being filled to be deflated and takes a free buffer; a promise when none is free yet. */
  private send(): Promise<void> | undefined {
    this.deflate(this.piece as Buffer, this.used, true);
    this.used = 0;
    this.piece = this.buffers.take();
    if (this.piece) return undefined;
    return this.takeFree();
  }

  private async takeFree(): Promise<void> {
    // A piece of its own (a long text) frees no buffer: wait on until one that does is written.
    while (!(this.piece = this.buffers.take())) await this.queue[0];
  }

  private deflate(buffer: Buffer, length: number, reuse: boolean): void {
    const bytes = buffer.subarray(0, length);
    this.crc = crc32(bytes, this.crc);
    this.uncompressed += length;
    const piece = deflatePiece(bytes, this.level);
    // Its failure is seen where it is written out; marked as handled for when an earlier one failed first.
    piece.catch(() => undefined);
    const written = this.writing.then(async () => {
      const deflated = await piece;
      if (reuse) this.buffers.give(buffer);
      this.compressed += deflated.length;
      if (!this.destroyed) await this.out.write(deflated);
      this.queue.shift();
    });
    written.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.writing = written;
    this.queue.push(written);
  }
}

/** A piece's buffer, and how full it gets before it is deflated. */
const PIECE_BYTES = 1024 * 1024;
const PIECE_TARGET = 256 * 1024;
/** Pieces deflating or waiting to be written at once, each in a buffer of its own. */
const MAX_PIECES = 6;

function deflatePiece(bytes: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(bytes, { level, finishFlush: constants.Z_SYNC_FLUSH }, (error, deflated) => (error ? reject(error) : resolve(deflated)));
  });
}
