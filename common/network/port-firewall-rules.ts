import { type EntityManager } from 'typeorm';
import { type FirewallRule } from '../compute/guest-spec';

interface RuleRow {
  port_id: string;
  direction: FirewallRule['direction'];
  ethertype: FirewallRule['ethertype'];
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

/**
 * What each port's security groups allow, as the host's firewall applies it: null for a port
 * with port security off, else every rule of its groups, a remote group's rule once for each
 * address (of the rule's ethertype) of that group's member ports, as Neutron's agents expand it.
 * Ports of unknown ids are left out. Three queries, whatever the number of ports.
 */
export async function firewallRulesOf(
  db: EntityManager,
  portIds: string[],
): Promise<Map<string, FirewallRule[] | null>> {
  const byPort = new Map<string, FirewallRule[] | null>();
  if (portIds.length === 0) return byPort;
  const ports: { id: string; port_security_enabled: boolean }[] = await db.query(
    'SELECT id, port_security_enabled FROM ports WHERE id = ANY($1)',
    [portIds],
  );
  for (const port of ports) byPort.set(port.id, port.port_security_enabled ? [] : null);
  const rules: RuleRow[] = await db.query(
    `SELECT b.port_id, r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max,
            r.remote_ip_prefix, r.remote_group_id
       FROM security_group_port_bindings b JOIN security_group_rules r ON r.security_group_id = b.security_group_id
      WHERE b.port_id = ANY($1) ORDER BY b.port_id, r.created_at, r.id`,
    [portIds],
  );
  const remoteGroups = [...new Set(rules.flatMap((rule) => rule.remote_group_id ?? []))];
  const members: { security_group_id: string; ip: string; v6: boolean }[] =
    remoteGroups.length === 0
      ? []
      : await db.query(
          `SELECT DISTINCT b.security_group_id, host(a.ip_address) AS ip, family(a.ip_address) = 6 AS v6
             FROM security_group_port_bindings b JOIN ip_allocations a ON a.port_id = b.port_id
            WHERE b.security_group_id = ANY($1) ORDER BY 1, 3, 2`,
          [remoteGroups],
        );
  for (const row of rules) {
    const list = byPort.get(row.port_id);
    if (!list) continue; // Port security off: its groups (none may remain) filter nothing.
    const rule: FirewallRule = {
      direction: row.direction,
      ethertype: row.ethertype,
      protocol: row.protocol,
      portRangeMin: row.port_range_min,
      portRangeMax: row.port_range_max,
      remoteIpPrefix: row.remote_ip_prefix,
    };
    if (row.remote_group_id === null) {
      list.push(rule);
      continue;
    }
    const v6 = row.ethertype === 'IPv6';
    for (const member of members) {
      if (member.security_group_id !== row.remote_group_id || member.v6 !== v6) continue;
      list.push({ ...rule, remoteIpPrefix: `${member.ip}/${v6 ? 128 : 32}` });
    }
  }
  return byPort;
}
