import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../src/write/file-sink.js';
import { scratchFolder } from './helpers.js';

describe('FileSink', () => {
  it('writes text and bytes in order through its two buffers, pieces larger than a buffer included', async () => {
    const path = join(await scratchFolder(), 'out.bin');
    const handle = await open(path, 'wx');
    const sink = new FileSink(handle);
    const expected: Buffer[] = [];
    let waits = 0;
    for (let i = 0; i < 3000; i++) {
      const piece = i % 500 === 7 ? 'é😀'.repeat(200_000) : `row ${i}: zoë ${'x'.repeat(i % 300)}\n`;
      const wait = i % 3 === 0 ? sink.write(Buffer.from(piece)) : sink.writeText(piece);
      expected.push(Buffer.from(piece));
      if (wait) {
        waits++;
        await wait;
      }
    }
    await sink.end();
    await handle.close();
    expect((await readFile(path)).equals(Buffer.concat(expected))).toBe(true);
    expect(waits).toBeGreaterThan(0);
  });

  it('reports a failed write at the end, and refuses writes once destroyed', async () => {
    const path = join(await scratchFolder(), 'out.bin');
    const handle = await open(path, 'wx');
    const sink = new FileSink(handle);
    await handle.close();
    sink.writeText('x'.repeat(300 * 1024));
    await expect(sink.end()).rejects.toThrow();
    const otherHandle = await open(join(await scratchFolder(), 'b.bin'), 'wx');
    const other = new FileSink(otherHandle);
    other.destroy();
    expect(() => other.writeText('y')).toThrow(/closed/);
    await otherHandle.close();
  });
});
