// validate end to end on a sheet: what the results say when the disk gives out under them.
import { readdir } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { withDiskFullAfterTwoWrites } from '../helpers/disk-full.js';
import { creatableRows, tempDir, writePlannedCsv } from '../helpers/sheets.js';

it('a results file that cannot be written part way through ends validate with a run error naming the folder, and leaves no file', async () => {
  const dir = await tempDir();
  const file = await writePlannedCsv(dir, creatableRows(1500, 50));
  await withDiskFullAfterTwoWrites(async () => {
    await expect(validateFile({ file })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: `Cannot write the results in ${dir}: the disk is full.`,
    });
  });
  expect(await readdir(dir)).toEqual(['import.csv']);
});

it('--sheet on a CSV file is refused as a usage error before anything is written', async () => {
  const dir = await tempDir();
  const file = await writePlannedCsv(dir, creatableRows(2));
  await expect(validateFile({ file, sheet: 'Data' })).rejects.toMatchObject({
    code: 'USAGE',
    message: '--sheet "Data" picks a sheet of an XLSX workbook; import.csv is a CSV file, which has one. Leave --sheet out to read it.',
  });
  expect(await readdir(dir)).toEqual(['import.csv']);
});
