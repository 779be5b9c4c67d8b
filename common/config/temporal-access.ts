import { readFileSync } from 'node:fs';
import { type TLSConfig } from '@temporalio/client';
import { ConfigError } from './load';

/** How a Novaflow process reaches its Temporal frontend beyond the address: TLS, mTLS, an API key. */
export interface TemporalAccess {
  /** Unset: a plain connection (the local dev server). */
  tls: TLSConfig | undefined;
  apiKey: string | undefined;
}

function flag(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new ConfigError(
    `environment variable ${name}=${JSON.stringify(text)} is invalid: expected true or false`,
  );
}

function pem(name: string, path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`environment variable ${name}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Temporal's own client environment variables (docs.temporal.io/references/client-environment-
 * configuration), so that one set of variables serves Novaflow and the `temporal` CLI alike:
 * TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME,
 * TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS), TEMPORAL_API_KEY. As in
 * Temporal's clients, any certificate or an API key turns TLS on unless TEMPORAL_TLS=false.
 */
export function readTemporalAccess(env: NodeJS.ProcessEnv): TemporalAccess {
  const serverRootCACertificate = pem(
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    env.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
  );
  const crt = pem('TEMPORAL_TLS_CLIENT_CERT_PATH', env.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const key = pem('TEMPORAL_TLS_CLIENT_KEY_PATH', env.TEMPORAL_TLS_CLIENT_KEY_PATH);
  if (!crt !== !key) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both or neither',
    );
  }
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const requested = flag('TEMPORAL_TLS', env.TEMPORAL_TLS);
  const implied = Boolean(serverRootCACertificate || crt || apiKey || serverNameOverride);
  if (requested === false && (serverRootCACertificate || crt || serverNameOverride)) {
    throw new ConfigError('TEMPORAL_TLS=false, yet TLS certificates or a server name are set');
  }
  const tls =
    (requested ?? implied)
      ? {
          ...(serverRootCACertificate && { serverRootCACertificate }),
          ...(serverNameOverride && { serverNameOverride }),
          ...(crt && key && { clientCertPair: { crt, key } }),
        }
      : undefined;
  return { tls, apiKey };
}
