import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTES } from './task-queues';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export function connectTemporal(address: string | undefined): Promise<Connection> {
  return Connection.connect({ address: address ?? DEFAULT_TEMPORAL_ADDRESS });
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
