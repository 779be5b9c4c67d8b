import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { projectRoot } from '../paths';
import { ConfigError } from './load';
import { readTemporalAccess, type TemporalAccess } from './temporal-access';

/**
 * Addresses and secrets come from the environment, never from the configuration file, so that one
 * file serves every host of a cloud.
 */
export interface Environment {
  /** NOVAFLOW_DATA_DIR: embedded PostgreSQL, Temporal's SQLite file, images, clouds.yaml. */
  dataDir: string;
  /** NOVAFLOW_CONFIG, else etc/novaflow.conf when it exists. */
  configFile: string | undefined;
  /** DATABASE_URL; unset means the embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** TEMPORAL_ADDRESS; unset means a local dev server started by `npm start`. */
  temporalAddress: string | undefined;
  /** TEMPORAL_TLS*, TEMPORAL_API_KEY: TLS, mTLS and API key of the Temporal connection. */
  temporalAccess: TemporalAccess;
  /** TEMPORAL_NAMESPACE. */
  temporalNamespace: string;
  /** TEMPORAL_UI_URL: the Temporal Web UI, whose workflow pages instance actions link to; `npm start` sets it. */
  temporalUiUrl: string | undefined;
  /** NOVAFLOW_API_HOST and NOVAFLOW_API_PORT: where the API listens. */
  apiHost: string;
  apiPort: number;
  /** NOVAFLOW_PUBLIC_URL: the base URL written into the service catalog and links. */
  publicUrl: string;
  /** NOVAFLOW_FAKE_HOSTS: how many fake compute hosts `npm start` runs. */
  fakeHosts: number;
  /** NOVAFLOW_METRICS_ADDRESS: host:port where a worker process (conductor, compute) serves /metrics; unset: none. */
  metricsAddress: string | undefined;
  /** NOVAFLOW_LIBVIRT_HOSTS: how many libvirt compute hosts (real guests under QEMU) `npm start` adds. */
  libvirtHosts: number;
}

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(
      `environment variable ${name}=${JSON.stringify(text)} is invalid: expected a TCP port`,
    );
  }
  return value;
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(
      `environment variable ${name}=${JSON.stringify(text)} is invalid: expected an integer >= 0`,
    );
  }
  return value;
}

function address(name: string, text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const match = /^([\w.-]+|\[[0-9a-f:]+\]):(\d+)$/i.exec(text);
  if (!match) {
    throw new ConfigError(
      `environment variable ${name}=${JSON.stringify(text)} is invalid: expected host:port`,
    );
  }
  port(name, match[2], 0);
  return text;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const root = projectRoot();
  const dataDir = env.NOVAFLOW_DATA_DIR ? resolve(env.NOVAFLOW_DATA_DIR) : join(root, '.data');
  const defaultConfig = join(root, 'etc', 'novaflow.conf');
  const configFile = env.NOVAFLOW_CONFIG
    ? isAbsolute(env.NOVAFLOW_CONFIG)
      ? env.NOVAFLOW_CONFIG
      : resolve(env.NOVAFLOW_CONFIG)
    : existsSync(defaultConfig)
      ? defaultConfig
      : undefined;
  const apiHost = env.NOVAFLOW_API_HOST || '127.0.0.1';
  const apiPort = port('NOVAFLOW_API_PORT', env.NOVAFLOW_API_PORT, 8774);
  return {
    dataDir,
    configFile,
    databaseUrl: env.DATABASE_URL || undefined,
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalAccess: readTemporalAccess(env),
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalUiUrl: env.TEMPORAL_UI_URL ? env.TEMPORAL_UI_URL.replace(/\/+$/, '') : undefined,
    apiHost,
    apiPort,
    publicUrl: (env.NOVAFLOW_PUBLIC_URL || `http://${apiHost}:${apiPort}`).replace(/\/+$/, ''),
    fakeHosts: count('NOVAFLOW_FAKE_HOSTS', env.NOVAFLOW_FAKE_HOSTS, 3),
    libvirtHosts: count('NOVAFLOW_LIBVIRT_HOSTS', env.NOVAFLOW_LIBVIRT_HOSTS, 0),
    metricsAddress: address('NOVAFLOW_METRICS_ADDRESS', env.NOVAFLOW_METRICS_ADDRESS),
  };
}
