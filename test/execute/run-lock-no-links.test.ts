// The run lock on a drive without hard links (some network shares, USB sticks): every file is written
// in place, so it is empty or part written for a moment, and the lock must hold all the same.
import { describe, it, vi } from 'vitest';
import { collideRounds } from './helpers/colliding-runs.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const link = () => Promise.reject(Object.assign(new Error('operation not permitted, link'), { code: 'EPERM' }));
  return { ...real, default: { ...real, link }, link };
});

describe('RunLock without hard links', () => {
  it("runs that find a killed run's lock at once, some killed part way: never two hold it, and the next run always gets it", async () => {
    await collideRounds(150, /^RUN_IN_PROGRESS: Another import of this sheet is (running \(process \d+\)|starting \(its lock .+ is being written\))\.$/);
  });
});
