// A file written beside its final place and renamed over it only when complete, so a crash, a kill or
// a full disk never leaves a half-written results file where a good one was.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeError } from '../errors.js';
import { isRunning } from '../pid.js';
import { FileSink } from './file-sink.js';

/** The temp files this process has made and not yet renamed into place or removed. */
const openTempFiles = new Set<string>();

/**
 * Removes this process's temp files at once, for a process about to exit without finishing them (a
 * second Ctrl-C): synchronous, since nothing asynchronous runs after `process.exit`.
 */
export function removeTempFilesNow(): void {
  for (const path of openTempFiles) {
    try {
      unlinkSync(path);
    } catch {
      // gone already, or not ours to remove: the next run's orphan sweep tries again
    }
  }
  openTempFiles.clear();
}

export class TempFile {
  /** Where the writers put the bytes; this file alone ends or destroys it. */
  readonly sink: FileSink;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly finalPath: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {
    this.sink = new FileSink(handle);
  }

  /** Opens a fresh temp file in the final file's folder (same disk, so the rename is atomic). */
  static async create(finalPath: string): Promise<TempFile> {
    const folder = dirname(finalPath);
    const tempPath = join(folder, `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await mkdir(folder, { recursive: true });
      await removeOrphans(folder, basename(finalPath));
      // Known before it exists: a quit while it is being opened still removes it.
      openTempFiles.add(tempPath);
      return new TempFile(finalPath, tempPath, await open(tempPath, 'wx'));
    } catch (error) {
      openTempFiles.delete(tempPath);
      throw writeError('OUTPUT_UNWRITABLE', `Cannot write in ${folder}`, error);
    }
  }

  /** Everything the writers put in the sink is in the file: a write that failed is thrown here. */
  written(): Promise<void> {
    return this.sink.end();
  }

  /** Writes out what the writers left in the sink, makes the bytes durable, then renames into place. */
  async publish(): Promise<void> {
    await this.written();
    await this.handle.sync();
    await this.close();
    try {
      await rename(this.tempPath, this.finalPath);
      openTempFiles.delete(this.tempPath);
    } catch (error) {
      await this.discard();
      throw writeError('OUTPUT_UNWRITABLE', `Cannot replace ${this.finalPath}`, error);
    }
    await syncFolder(dirname(this.finalPath));
  }

  /** Stops writing and removes the temp file; safe to call more than once. */
  async discard(): Promise<void> {
    this.sink.destroy();
    await this.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
    openTempFiles.delete(this.tempPath);
  }

  private close(): Promise<void> {
    this.closing ??= this.handle.close();
    return this.closing;
  }
}

/** Removes a file if it is there (a retry file left by an earlier run). */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeError('OUTPUT_UNWRITABLE', `Cannot remove ${path}, left by an earlier run`, error);
  }
}

// A file made or renamed is only there for good once its folder's entry is; not every platform lets a
// folder be opened for that (Windows does not), and the file's own bytes are already safe, so failure
// is fine.
export async function syncFolder(folder: string): Promise<void> {
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

/** Temp files of a run that was killed before it could clean up: their process is gone. */
async function removeOrphans(folder: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  for (const name of await readdir(folder)) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await unlink(join(folder, name)).catch(() => undefined);
  }
}
