// Placing a run's file where none is, and taking over the lock (or a claim) of a run that is gone.
//
// Taking over is where two runs can collide: both find the same dead lock, and one removing it after
// the other has made its own would leave both running. So removing a dead file is claimed first, by
// making a file named after its path and text (`<lock>.takeover-<hash>`). A file is only ever made
// where none is (a hard link, or an exclusive create), so one run alone holds a claim; it reads the
// file again and removes it only if it still holds the dead text. A claim left by a run killed while
// taking over is itself dead, and removed the same way under a claim of its own.
import { createHash } from 'node:crypto';
import { link, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { holderOf, type Holder, type LockReader } from './lock-holder.js';

/** The run taking the lock. */
export interface Taker extends LockReader {
  /** This run's file, linked into place as the lock or a claim. */
  readonly mine: string;
  readonly text: string;
  /** The last claim of another run this one waited for. */
  blockedBy?: { readonly path: string; readonly holder: Holder };
}

/**
 * Removes the file at `path` if it still holds `deadText`, under the claim for it. False when another
 * run holds that claim (and is alive): the caller waits and looks again.
 */
export async function removeDead(self: Taker, path: string, deadText: string, depth = 0): Promise<boolean> {
  const claim = claimOf(self.path, path, deadText);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!(await placed(self, claim, 'claim a takeover'))) {
      const other = await holderOf(self, claim);
      if (!other) continue; // dropped meanwhile
      if (other.text !== self.text) {
        if (other.alive || depth >= 3) {
          self.blockedBy = { path: claim, holder: other };
          return false;
        }
        // A run killed while taking over left its claim: that claim is removed first, under its own.
        await removeDead(self, claim, other.text, depth + 1);
        continue;
      }
    }
    try {
      await self.host.beforeStep?.('read again under the claim');
      // Still the same text, and still dead: a file being written in place reads the same as a dead
      // one cut short, but is new.
      const now = await holderOf(self, path);
      if (now && now.text === deadText && !now.alive) {
        await self.host.beforeStep?.('remove the dead file');
        await rm(path, { force: true });
      }
    } finally {
      await self.host.beforeStep?.('drop the claim');
      await rm(claim, { force: true });
    }
    return true;
  }
  return false;
}

function claimOf(lock: string, path: string, text: string): string {
  return `${lock}.takeover-${createHash('sha256').update(`${path}\0${text}`).digest('hex').slice(0, 16)}`;
}

/** Files left beside the lock by runs killed part way: their own files, and their claims. */
export async function sweep(self: Taker): Promise<void> {
  const prefix = `${basename(self.path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(self.path));
  } catch {
    return; // nothing depends on it: the lock itself is taken below, or its failure reported
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const file = join(dirname(self.path), name);
    const ownFile = /^\d+-[0-9a-f]{8}$/.test(rest);
    if (file === self.mine || !(ownFile || /^takeover-[0-9a-f]{16}$/.test(rest))) continue;
    const holder = await holderOf(self, file).catch(() => undefined);
    if (!holder || holder.alive) continue;
    // A run's own file is never used under its own name: it can simply go.
    if (ownFile) await rm(file, { force: true }).catch(() => undefined);
    else await removeDead(self, file, holder.text).catch(() => undefined);
  }
}

/** Drives without hard links (some shares and USB sticks) get the file written in place instead. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Makes `path` hold this run's text, unless a file is there already. */
export async function placed(self: Taker, path: string, step: string): Promise<boolean> {
  await self.host.beforeStep?.(step);
  try {
    await link(self.mine, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw error;
  }
  try {
    await writeFile(path, self.text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
