/** Whether a process of this id is alive (one we may not signal still counts): tells a stale lock or temp file. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
