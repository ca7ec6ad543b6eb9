// A results file on a disk that fills up part way: the header and the first piece of rows are
// written, every write after them fails as a full disk does.
import { vi } from 'vitest';
import { FileSink } from '../../src/write/file-sink.js';

/** Runs `fn` with results writes failing (ENOSPC) after the first two; writes work again afterwards. */
export async function withDiskFullAfterTwoWrites(fn: () => Promise<void>): Promise<void> {
  const writeText = FileSink.prototype.writeText;
  let calls = 0;
  const spy = vi.spyOn(FileSink.prototype, 'writeText').mockImplementation(function (this: FileSink, text) {
    if (++calls > 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return writeText.call(this, text);
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
}
