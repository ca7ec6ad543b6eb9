// validate end to end on a sheet: what the results say when the disk gives out under them.
import { readdir } from 'node:fs/promises';
import { expect, it, vi } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { FileSink } from '../../src/write/file-sink.js';
import { creatableRows, tempDir, writePlannedCsv } from '../helpers/sheets.js';

it('a results file that cannot be written part way through ends validate with a run error naming the folder, and leaves no file', async () => {
  const dir = await tempDir();
  const file = await writePlannedCsv(dir, creatableRows(1500, 50));
  const writeText = FileSink.prototype.writeText;
  let calls = 0;
  const spy = vi.spyOn(FileSink.prototype, 'writeText').mockImplementation(function (this: FileSink, text) {
    // The header, then the first piece of rows: the disk is full after that.
    if (++calls > 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return writeText.call(this, text);
  });
  try {
    await expect(validateFile({ file })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: `Cannot write the results in ${dir}: the disk is full.`,
    });
  } finally {
    spy.mockRestore();
  }
  expect(await readdir(dir)).toEqual(['import.csv']);
});
