import { execFile } from 'node:child_process';
import { sleep } from '../../../../common/sleep';
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

/**
 * libvirt could not install a guest's nwfilter rules because another program changed the same
 * nftables tables meanwhile (ebtables-nft has no lock across processes): seen when two libvirtds
 * share one machine, as two hosts of a local cloud or the tests do. libvirt undoes the start or
 * the migration it was doing, so the command is run again.
 */
const FIREWALL_RACE = /Failed to apply firewall rules/;
const FIREWALL_RACE_TRIES = 5;

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
  constructor(
    readonly uri: string,
    /** The virsh program: the one on PATH but in tests of this class. */
    private readonly program = 'virsh',
  ) {}

  /** Runs `virsh <args>`, resolving to its stdout; a failure throws LibvirtError or LibvirtUnavailable. */
  async run(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(args, options);
      } catch (error) {
        const raced = error instanceof LibvirtError && FIREWALL_RACE.test(error.libvirtMessage);
        if (!raced || attempt >= FIREWALL_RACE_TRIES) throw error;
        await sleep(200 * attempt + Math.random() * 300);
      }
    }
  }

  private runOnce(args: string[], options: { timeoutMs?: number }): Promise<string> {
    const command = args[0];
    return new Promise((resolve, reject) => {
      execFile(
        this.program,
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
