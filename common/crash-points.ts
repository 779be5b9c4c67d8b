/**
 * A test-only fault hook: with NOVAFLOW_CRASH_AT=<point>, this process kills itself with SIGKILL
 * at that point, as `kill -9` would, so a test can show the crash window there is closed.
 */
export function crashPoint(point: string): void {
  if (process.env.NOVAFLOW_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
