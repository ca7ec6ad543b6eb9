// The built CLI as a child process, as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The command the package installs (package.json `bin`), as built by `npm run build`. */
const root = new URL('../../', import.meta.url);
const { bin } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: Record<string, string> };
export const CLI = fileURLToPath(new URL(bin['client-packages']!, root));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called once the child is running, e.g. to send it a signal later. */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * Started as `node -- CLI ...`. Node itself also checks an `--env-file` it finds after the script's
   * name, and stops with exit 9 when that file is missing (nodejs/node#54232), unless a `--` ends its
   * own options first: this is the command line the CLI itself sees then.
   */
  pastNodeOptions?: boolean;
}

/** Environment for the child: no PLATFORM_* from the developer's shell leaks in. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLATFORM_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.pastNodeOptions ? ['--'] : []), CLI, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
