// node:fs/promises with a pause before every call, for tests of runs that collide on files: another
// run's file operations may come between any two of a run's own. Which pause, if any, comes from
// `pauses.random`, which a test seeds.
type Fs = typeof import('node:fs/promises');

export const pauses: {
  random: () => number;
  /** A wait of a test's own before a call, where it returns one: a drive that stops answering. */
  stall?: (call: string, path: unknown) => Promise<void> | undefined;
} = { random: Math.random };

async function pause(): Promise<void> {
  const r = pauses.random();
  if (r < 0.2) await new Promise((resolve) => setImmediate(resolve));
  else if (r < 0.3) await new Promise((resolve) => setTimeout(resolve, 1));
  else if (r < 0.35) await new Promise((resolve) => setTimeout(resolve, 5 + pauses.random() * 10));
}

const CALLS = ['link', 'open', 'readdir', 'readFile', 'rm', 'stat', 'writeFile'] as const;

/**
 * `real`, each of the calls the lock makes paused first. With `links: false`, as on a drive without
 * hard links: no link, and a file made exclusively is empty for a moment before its text is written.
 */
export function pausingFs(real: Fs, { links }: { links: boolean }): Fs {
  const paused: Record<string, unknown> = {};
  for (const name of CALLS) {
    const call = real[name] as (...args: unknown[]) => Promise<unknown>;
    paused[name] = async (...args: unknown[]) => {
      await pause();
      await pauses.stall?.(name, args[0]);
      if (name === 'link' && !links) throw Object.assign(new Error('operation not permitted, link'), { code: 'EPERM' });
      const [path, data, options] = args as [string, string, { flag?: string } | undefined];
      if (name === 'writeFile' && !links && options?.flag === 'wx') {
        // Made in place: the file is there, empty, before its text is written.
        await real.writeFile(path, '', { flag: 'wx' });
        await pause();
        return real.writeFile(path, data);
      }
      return call(...args);
    };
  }
  const fs = { ...real, ...paused } as Fs;
  return { ...fs, default: fs } as Fs;
}
