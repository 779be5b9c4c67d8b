import { type EntityManager } from 'typeorm';

/** One entry of a server's `addresses`, as Nova shows it. */
export interface NovaAddress {
  version: number;
  addr: string;
  'OS-EXT-IPS:type': 'fixed';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

/** Nova's `addresses` of a server: its addresses grouped by network name. */
export type NovaAddresses = Record<string, NovaAddress[]>;

/**
 * The `addresses` of each instance, in one query for all of them (a server list needs many),
 * from the ports the compute service bound to it (never a port whose device_id merely names it):
 * networks in the order the instance's ports were created, IPv4 before IPv6. An instance with
 * no port gets {}.
 */
export async function instanceAddresses(
  db: EntityManager,
  instanceUuids: string[],
): Promise<Record<string, NovaAddresses>> {
  const addresses: Record<string, NovaAddresses> = Object.fromEntries(
    instanceUuids.map((uuid) => [uuid, {}]),
  );
  if (instanceUuids.length === 0) return addresses;
  const rows: { instance_uuid: string; network: string; mac: string; ip: string; version: number }[] =
    await db.query(
      `SELECT p.instance_uuid, n.name AS network, p.mac_address AS mac, host(a.ip_address) AS ip,
            family(a.ip_address) AS version
       FROM ports p
       JOIN networks n ON n.id = p.network_id
       JOIN ip_allocations a ON a.port_id = p.id
      WHERE p.instance_uuid = ANY($1::uuid[])
      ORDER BY p.created_at, p.id, family(a.ip_address), a.ip_address`,
      [instanceUuids],
    );
  for (const row of rows) {
    const byNetwork = addresses[row.instance_uuid];
    (byNetwork[row.network] ??= []).push({
      version: row.version,
      addr: row.ip,
      'OS-EXT-IPS:type': 'fixed',
      'OS-EXT-IPS-MAC:mac_addr': row.mac,
    });
  }
  return addresses;
}
