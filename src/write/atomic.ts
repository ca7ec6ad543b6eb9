// A file written beside its final place and renamed over it only when complete, so a crash, a kill or
// a full disk never leaves a half-written results file where a good one was.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { RunError } from '../errors.js';
import { isRunning } from '../pid.js';

export class TempFile {
  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
    readonly stream: WriteStream,
  ) {}

  /** Opens a fresh temp file in the final file's folder (same disk, so the rename is atomic). */
  static async create(finalPath: string): Promise<TempFile> {
    const folder = dirname(finalPath);
    const tempPath = join(folder, `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await mkdir(folder, { recursive: true });
      await removeOrphans(folder, basename(finalPath));
      const stream = createWriteStream(tempPath, { flags: 'wx' });
      await once(stream, 'open');
      return new TempFile(finalPath, tempPath, stream);
    } catch (error) {
      throw new RunError('OUTPUT_UNWRITABLE', `Cannot write in ${folder}: ${reason(error)}.`);
    }
  }

  /** Waits for whoever writes the stream to end it, makes the bytes durable, then renames into place. */
  async publish(): Promise<void> {
    await this.closed();
    const handle = await open(this.tempPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(this.tempPath, this.finalPath);
    } catch (error) {
      await this.discard();
      throw new RunError('OUTPUT_UNWRITABLE', `Cannot replace ${this.finalPath}: ${reason(error)}.`);
    }
    await syncFolder(dirname(this.finalPath));
  }

  /** Stops writing and removes the temp file; safe to call more than once. */
  async discard(): Promise<void> {
    if (!this.stream.destroyed) this.stream.destroy();
    await this.closed().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  private async closed(): Promise<void> {
    if (this.stream.closed) return;
    await once(this.stream, 'close');
  }
}

/** Removes a file if it is there (a retry file left by an earlier run). */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new RunError('OUTPUT_UNWRITABLE', `Cannot remove ${path}, left by an earlier run: ${reason(error)}.`);
  }
}

// The rename itself is only durable once the folder's entry is; not every platform lets a folder be
// opened for that (Windows does not), and the file's own bytes are already safe, so failure is fine.
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EBUSY') return 'the file is open in another program';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EROFS') return 'the disk is read-only';
  return error instanceof Error ? error.message : String(error);
}

/** Temp files of a run that was killed before it could clean up: their process is gone. */
async function removeOrphans(folder: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  for (const name of await readdir(folder)) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await unlink(join(folder, name)).catch(() => undefined);
  }
}
