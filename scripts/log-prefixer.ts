import { createInterface } from 'node:readline';
import { type Readable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

const COLORS = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92];
const useColor = Boolean(process.stdout.isTTY);
const pretty = prettyFactory({
  colorize: useColor,
  singleLine: true,
  ignore: 'pid,hostname,name',
  translateTime: 'HH:MM:ss.l',
});

let nextColor = 0;

/** Writes each line of `stream` to our stdout as `[name] line`, pino JSON lines made readable. */
export function prefixLines(name: string, stream: Readable, width: number): void {
  const color = COLORS[nextColor++ % COLORS.length];
  const label = `[${name}]`.padEnd(width + 2);
  const prefix = useColor ? `\u001b[${color}m${label}\u001b[0m ` : `${label} `;
  createInterface({ input: stream }).on('line', (line) => {
    const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
    process.stdout.write(`${prefix}${text}\n`);
  });
}
