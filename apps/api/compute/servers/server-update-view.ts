/**
 * Attributes Nova leaves out of a PUT /servers/{id} answer before 2.75 (servers.py update():
 * show_AZ, show_config_drive, show_keypair, show_srv_usg, show_sec_grp, show_extended_status,
 * show_extended_volumes and show_extended_attr all false); from 2.75 it answers as GET does.
 */
const LEFT_OUT_BEFORE_2_75 = [
  'OS-EXT-AZ:availability_zone',
  'config_drive',
  'key_name',
  'OS-SRV-USG:launched_at',
  'OS-SRV-USG:terminated_at',
  'security_groups',
  'OS-EXT-STS:task_state',
  'OS-EXT-STS:vm_state',
  'OS-EXT-STS:power_state',
  'os-extended-volumes:volumes_attached',
  'host_status',
];

/** The address view without its extensions (extend_address false): only addr and version. */
function plainAddresses(addresses: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(addresses).map(([network, entries]) => [
      network,
      entries.map((entry) => {
        const { addr, version } = entry as { addr: string; version: number };
        return { addr, version };
      }),
    ]),
  );
}

/** The server view Nova answers a PUT with below 2.75, from the full one. */
export function updateView<T extends Record<string, unknown>>(server: T): Partial<T> {
  const reduced: Record<string, unknown> = Object.fromEntries(
    Object.entries(server).filter(
      ([key]) => !LEFT_OUT_BEFORE_2_75.includes(key) && !key.startsWith('OS-EXT-SRV-ATTR:'),
    ),
  );
  reduced.addresses = plainAddresses(server.addresses as Record<string, unknown[]>);
  return reduced as Partial<T>;
}
