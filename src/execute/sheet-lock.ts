// This machine's lock of a sheet file, beside each journal's own lock: two runs of one sheet with
// different results paths would otherwise each send its rows. Beside the lock, a note of where the
// sheet's unfinished journal is: a run of the same file after it was moved, renamed or given another
// --out would otherwise start without it, and make again what that import had sent.
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { journalRunsOf } from './journal-lines.js';
import { RunLock } from './run-lock.js';

/** What a run holds of a sheet while it sends: released when it ends. */
export interface SheetLocks {
  release(): Promise<void>;
}

/**
 * This machine's locks of the sheet file and of its contents sent to `createsTo` (a copy of the file
 * in another folder, imported at the same time against the same server, would send the same rows),
 * or none where they cannot be had safely (no temp folder to write in, or one another user could
 * tamper with): the journal's own lock still stands.
 */
export async function lockSheet(sheet: string, id: string, createsTo: string): Promise<SheetLocks | undefined> {
  const file = await lockAt(inUserFolder(`sheet-${id}.lock`));
  try {
    const copies = await lockAt(contentsLockPath(sheet, createsTo));
    return { release: async () => void (await Promise.all([copies?.release(), file?.release()])) };
  } catch (error) {
    await file?.release();
    if (!(error instanceof RunError)) throw error;
    throw new RunError(error.code, `A copy of this sheet (the same contents, under another name or in another folder) is being imported into the same platform. ${error.message}`);
  }
}

async function lockAt(path: Promise<string>): Promise<RunLock | undefined> {
  const at = await path.catch(() => undefined);
  if (at === undefined) return undefined;
  try {
    return await RunLock.acquire(at);
  } catch (error) {
    if (error instanceof RunError && error.code === 'RUN_IN_PROGRESS') throw error;
    return undefined;
  }
}

/** Where the lock of a sheet's contents sent to one server lives: named by the server, the file's size and its first megabyte. */
async function contentsLockPath(sheet: string, createsTo: string): Promise<string> {
  const handle = await open(sheet, 'r');
  try {
    const { size } = await handle.stat();
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(Math.min(size, CONTENTS_BYTES)), position: 0 });
    const hash = createHash('sha256').update(`${createsTo}\n${size}\n`).update(buffer.subarray(0, bytesRead)).digest('hex').slice(0, 32);
    return join(await userFolder(), `contents-${hash}.lock`);
  } finally {
    await handle.close();
  }
}

const CONTENTS_BYTES = 1024 * 1024;

/**
 * A lock or a note of this user's. A sheet's are named by the file itself (sheetId), so another path to
 * it (a link, other letter case) names the same ones.
 */
async function inUserFolder(name: string): Promise<string> {
  return join(await userFolder(), name);
}

/**
 * The sheet file itself, whatever the path to it: its device, inode and (where the system keeps one)
 * birth time, which a move or a rename keeps; the birth time tells it from a later file given the inode
 * of one deleted.
 */
export async function sheetId(sheet: string): Promise<string> {
  const { dev, ino, birthtimeNs } = await stat(sheet, { bigint: true });
  if (ino === 0n) return createHash('sha256').update(await realpath(sheet)).digest('hex').slice(0, 32);
  return birthtimeNs > 0n ? `${dev}-${ino}-${birthtimeNs}` : `${dev}-${ino}`;
}

/** Where the note of the journal of the sheet `id` lives, beside its lock; none where there is no safe folder. */
function notePath(id: string): Promise<string | undefined> {
  return inUserFolder(`sheet-${id}.journal`).catch(() => undefined);
}

/** The journal noted as this sheet file's, if any. */
export async function journalNotedFor(sheet: string): Promise<string | undefined> {
  const note = await sheetId(sheet).then(notePath, () => undefined);
  return note === undefined ? undefined : (await readFile(note, 'utf8').catch(() => '')).trim() || undefined;
}

/** The journal an earlier import of this very sheet noted as its own, somewhere other than `journal`; none when there is no such note. */
async function notedJournalOf(note: string, journal: string): Promise<string | undefined> {
  const noted = (await readFile(note, 'utf8').catch(() => '')).trim();
  return noted && (await placeOf(noted)) !== (await placeOf(journal)) ? noted : undefined;
}

/** Where a file is, however the path to its folder is written (a link to the folder, /tmp and /private/tmp). */
export async function placeOf(path: string): Promise<string> {
  const folder = dirname(resolve(path));
  return join(await realpath(folder).catch(() => folder), basename(path));
}

/** Notes `journal` as the sheet `id`'s; a note that cannot be written leaves the run as it was before notes. */
export async function noteJournalOf(id: string, journal: string): Promise<void> {
  const note = await notePath(id);
  if (note !== undefined) await writeFile(note, resolve(journal) + '\n', { mode: 0o600 }).catch(() => undefined);
}

/** Takes the note of the sheet `id` away once `journal`, the one it names, is gone. */
export async function forgetJournalOf(id: string, journal: string): Promise<void> {
  const note = await notePath(id);
  if (note === undefined) return;
  const noted = (await readFile(note, 'utf8').catch(() => '')).trim();
  if (noted && (await placeOf(noted)) === (await placeOf(journal))) await rm(note, { force: true });
}

/** This user's own folder for locks and notes, made if need be. */
async function userFolder(): Promise<string> {
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
  return dir;
}

/**
 * Refuses to start a journal of the sheet `id` at `path` while another, noted as this very file's
 * (moved, renamed, or imported with another --out since), holds rows of an unfinished real import:
 * this run would not know what that one sent, and could make those packages again.
 */
export async function refuseJournalElsewhere(id: string, path: string): Promise<void> {
  const note = await notePath(id);
  const other = note === undefined ? undefined : await notedJournalOf(note, path);
  if (note === undefined || other === undefined) return;
  const journal = await journalRunsOf(other);
  // Any run that wrote to it may have been of this file (a resume after Excel saved it again is).
  const ofThisFile = journal?.runs.some((run) => run.sheet === id && !run.rehearsal) ?? false;
  if (!ofThisFile) {
    // Gone, emptied by another run, or never this file's: the note says nothing any more.
    await rm(note, { force: true }).catch(() => undefined);
    return;
  }
  const { left } = journal!;
  if (!left.holdsRows) return;
  const made = left.created === 0 ? '' : `, which made ${left.created === 1 ? 'a package' : `${left.created} packages`}`;
  const open = left.unsettled === 0 ? '' : ` and has ${left.unsettled === 1 ? 'a create' : `${left.unsettled} creates`} whose outcome never came back`;
  throw new RunError(
    'JOURNAL_ELSEWHERE',
    `An import of this sheet that has not finished keeps its journal at ${other}${made}${open}. ` +
      `Started afresh here, this run would not know what that import sent. To finish it, run the import again with --out "${other.replace(/\.journal$/, '')}".`,
  );
}
