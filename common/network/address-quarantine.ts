import { type EntityManager } from 'typeorm';

/**
 * Addresses held back from new ports: those of a server deleted while its host did not answer,
 * whose guest may still run there with them. Held until that host reports without the guest (it
 * destroys a deleted server's guest on its first report back), or its service is deleted.
 */
export async function quarantineAddresses(
  db: EntityManager,
  portIds: string[],
  instanceUuid: string,
  host: string,
): Promise<void> {
  if (portIds.length === 0) return;
  await db.query(
    `INSERT INTO address_quarantine (subnet_id, ip_address, instance_uuid, host)
     SELECT subnet_id, ip_address, $2, $3 FROM ip_allocations WHERE port_id = ANY($1::uuid[])
     ON CONFLICT DO NOTHING`,
    [portIds, instanceUuid, host],
  );
}

/** Frees the addresses of `host`'s deleted servers whose guests it no longer reports. */
export async function liftQuarantine(db: EntityManager, host: string, guests: string[]): Promise<void> {
  await db.query('DELETE FROM address_quarantine WHERE host = $1 AND instance_uuid <> ALL($2::uuid[])', [
    host,
    guests,
  ]);
}

/** Frees every address held for `host`: it is gone from the cloud, and its guests with it. */
export async function liftHostQuarantine(db: EntityManager, host: string): Promise<void> {
  await db.query('DELETE FROM address_quarantine WHERE host = $1', [host]);
}
