/**
 * The last `length` lines of a console log, as Nova's _tail_log; -1 (what the API passes for
 * "all") or undefined gives the whole log. A final newline ends the last line rather than
 * counting as an empty line of its own.
 */
export function tailLines(log: string, length?: number): string {
  if (length === undefined || length < 0) return log;
  if (length === 0) return '';
  const body = log.endsWith('\n') ? log.slice(0, -1) : log;
  const lines = body.split('\n');
  const tail = lines.slice(-length).join('\n');
  return body === log ? tail : `${tail}\n`;
}
