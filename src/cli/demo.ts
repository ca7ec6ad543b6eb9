// `client-packages demo`: the main job, end to end, on an embedded sandbox with the bundled sample.
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeError } from '../errors.js';
import { runImport } from '../pipeline/run-import.js';
import { createProgressView } from './progress.js';
import { printResult } from './report.js';

const SAMPLE = fileURLToPath(new URL('../../samples/legacy-memberships.csv', import.meta.url));

const DEMO_RATE = 200;

export async function runDemo(showProgress: boolean): Promise<number> {
  // The sample is copied beside the user, so its results land where they can be opened.
  const folder = resolve('client-packages-demo');
  const input = join(folder, basename(SAMPLE));
  try {
    await mkdir(folder, { recursive: true });
    await copyFile(SAMPLE, input);
  } catch (error) {
    throw writeError('FOLDER_UNWRITABLE', `The demo writes its files in ${folder}, and cannot`, error);
  }

  process.stdout.write(`Importing ${input} into an embedded sandbox (nothing reaches a real platform).\n`);
  const view = createProgressView(process.stderr, showProgress);
  let result;
  try {
    result = await runImport(
      // The embedded sandbox has no rate limit: the demo need not wait like a real import would.
      { file: input, sandbox: true, rate: DEMO_RATE, concurrency: 16 },
      { progress: (p) => view.update(p), log: (line) => view.log(line) },
    );
  } finally {
    view.stop();
  }
  printResult(result, false);
  process.stdout.write(
    '\nThe sample holds a few bad rows on purpose (an unknown email, an impossible date, a duplicate...):\n' +
      'open the results file to see how each row is reported, and the retry file to see what to fix.\n',
  );
  return result.error ? 2 : 0;
}
