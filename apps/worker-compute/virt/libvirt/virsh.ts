import { execFile } from 'node:child_process';
import { VirtDriverError } from '../driver';

/** Longest a virsh command may take but for the ones given their own limit (a migration). */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Libvirt refused an operation; libvirt's own message is kept. No retry on this host helps (the
 * domain is in the wrong state, the XML is invalid), so it ends the activity as a driver error.
 */
export class LibvirtError extends VirtDriverError {
  override name = 'LibvirtError';

  constructor(
    readonly command: string,
    readonly libvirtMessage: string,
  ) {
    super(`libvirt: ${command}: ${libvirtMessage}`);
  }
}

/** Libvirtd cannot be reached: a plain Error, so that Temporal retries the activity until it is back. */
export class LibvirtUnavailable extends Error {
  override name = 'LibvirtUnavailable';
}

/** libvirt's VIR_ERR_NO_DOMAIN, as virsh words it (a lookup by uuid says only that it failed). */
const NO_DOMAIN = /Domain not found|no domain with matching|failed to get domain/i;
/** Failures of the connection itself, not of the operation. */
const UNREACHABLE =
  /failed to connect to the hypervisor|Cannot recv data|End of file while reading data|Broken pipe/i;

/** virsh's "error: ..." lines, without the prefix: libvirt's message for the failure. */
function libvirtMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^error:\s*/, '').trim())
    .filter(Boolean);
  return lines.join('; ') || 'virsh failed without a message';
}

/**
 * Libvirt through its own command-line client, virsh: one process per call, on one connection
 * URI. Chosen over a Node binding because none is maintained for current Node and libvirt; virsh
 * is libvirt's reference client, every libvirt install has it, and its errors are libvirt's.
 */
export class Virsh {
  constructor(readonly uri: string) {}

  /** Runs `virsh <args>`, resolving to its stdout; a failure throws LibvirtError or LibvirtUnavailable. */
  run(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
    const command = args[0];
    return new Promise((resolve, reject) => {
      execFile(
        'virsh',
        ['--quiet', '--connect', this.uri, ...args],
        { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT')
            return reject(new LibvirtUnavailable('virsh is not installed (libvirt-clients)'));
          const message = libvirtMessage(stderr) || error.message;
          if (UNREACHABLE.test(message))
            return reject(new LibvirtUnavailable(`libvirt at ${this.uri}: ${message}`));
          reject(new LibvirtError(command, message));
        },
      );
    });
  }

  /** Like run, for a command about one domain: a domain libvirt does not have resolves to undefined. */
  async onDomain(args: string[]): Promise<string | undefined> {
    try {
      return await this.run(args);
    } catch (error) {
      if (isNoDomain(error)) return undefined;
      throw error;
    }
  }
}

export const isNoDomain = (error: unknown) =>
  error instanceof LibvirtError && NO_DOMAIN.test(error.libvirtMessage);
