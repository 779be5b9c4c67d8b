import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { type TemporalAccess } from './config/temporal-access';
import { SEARCH_ATTRIBUTES } from './task-queues';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** A plain connection: the local dev server's. */
const PLAIN: TemporalAccess = { tls: undefined, apiKey: undefined };

/** A client connection (start, signal, query): the API's, and each worker's own client. */
export function connectTemporal(address: string | undefined, access = PLAIN): Promise<Connection> {
  return Connection.connect({ address: address ?? DEFAULT_TEMPORAL_ADDRESS, ...access });
}

/** A worker's connection, which polls its task queue. */
export function connectTemporalWorker(
  address: string | undefined,
  access = PLAIN,
): Promise<NativeConnection> {
  return NativeConnection.connect({ address: address ?? DEFAULT_TEMPORAL_ADDRESS, ...access });
}

/**
 * Creates the namespace when missing and registers Novaflow's search attributes in it. Idempotent,
 * so every start may call it, against a dev server or a production cluster alike.
 */
export async function prepareNamespace(connection: Connection, namespace: string): Promise<void> {
  const exists = () =>
    connection.workflowService
      .describeNamespace({ namespace })
      .then(() => true)
      .catch(() => false);
  if (!(await exists())) {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
      .catch((error: { code?: number }) => {
        if (error.code !== 6 /* ALREADY_EXISTS */) throw error;
      });
  }
  // A new namespace reaches every Temporal service through its namespace cache a moment later.
  for (let waited = 0; ; waited += 250) {
    const listed = await connection.operatorService
      .listSearchAttributes({ namespace })
      .catch(() => undefined);
    if (listed) {
      const missing = Object.values(SEARCH_ATTRIBUTES).filter(
        (key) => !(key.name in listed.customAttributes),
      );
      if (missing.length === 0) return;
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
        ),
      });
      return;
    }
    if (waited > 30_000)
      throw new Error(`Temporal namespace ${namespace} is not usable 30 s after registration`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
