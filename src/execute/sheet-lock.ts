// This machine's lock of a sheet file, beside each journal's own lock: two runs of one sheet with
// different results paths would otherwise each send its rows.
import { createHash } from 'node:crypto';
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import { RunLock } from './run-lock.js';

/**
 * This machine's lock of the sheet file, or none where it cannot be had safely (no temp folder to
 * write in, or one another user could tamper with): the journal's own lock still stands.
 */
export async function lockSheet(sheet: string): Promise<RunLock | undefined> {
  const path = await sheetLockPath(sheet).catch(() => undefined);
  if (path === undefined) return undefined;
  try {
    return await RunLock.acquire(path);
  } catch (error) {
    if (error instanceof RunError && error.code === 'RUN_IN_PROGRESS') throw error;
    return undefined;
  }
}

/**
 * Where this machine's lock of a sheet file lives: named by the file itself (its device and inode), so
 * another path to it (a link, other letter case) names the same lock, in a folder of this user's.
 */
export async function sheetLockPath(sheet: string): Promise<string> {
  const { dev, ino } = await stat(sheet, { bigint: true });
  const name = ino > 0n ? `${dev}-${ino}` : createHash('sha256').update(await realpath(sheet)).digest('hex').slice(0, 32);
  // By uid where there is one: a container's user may have no name.
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : userInfo().username;
  const dir = join(tmpdir(), `client-packages-${user}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const folder = await lstat(dir);
  const uid = process.getuid?.();
  // A folder of that name another user made first is theirs to empty or fill: not one to trust.
  if (!folder.isDirectory() || (uid !== undefined && folder.uid !== uid) || (process.platform !== 'win32' && (folder.mode & 0o022) !== 0)) {
    throw new Error(`${dir} is not this user's own folder`);
  }
  return join(dir, `sheet-${name}.lock`);
}
