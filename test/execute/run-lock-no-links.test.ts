// The run lock on a drive without hard links (some network shares, USB sticks): every file is written
// in place, so it is empty or part written for a moment, and the lock must hold all the same.
import { describe, it, vi } from 'vitest';
import { collideRounds } from './helpers/colliding-runs.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const { pausingFs } = await import('./helpers/pausing-fs.js');
  return pausingFs(await importOriginal(), { links: false });
});

describe('RunLock without hard links', () => {
  it("runs that find a killed run's lock at once, some killed part way: never two hold it, and the next run always gets it", async () => {
    await collideRounds(150, /^RUN_IN_PROGRESS: Another import of this sheet is (running \(process \d+\); if that process is not one, delete .+ and run again|starting: its lock .+ is being written \(a lock left unfinished by a stopped run is taken over once 30 s old\))\.$/);
  });
});
