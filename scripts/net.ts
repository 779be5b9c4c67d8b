import { createServer, Socket } from 'node:net';

export { sleep } from '../common/sleep';

/** A TCP port on 127.0.0.1 that nothing listens on right now: `wanted`, or any when 0. */
function bindable(wanted: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(wanted, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return bindable(0);
}

/**
 * A free port below 32768, for a program that keeps ports in a signed 16-bit column (the Temporal
 * server's cluster membership does), which the kernel's ephemeral ports overflow.
 */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = await bindable(10_000 + Math.floor(Math.random() * 22_000)).catch(() => undefined);
    if (port) return port;
  }
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}
