import { type Client } from 'pg';

/**
 * In the caller's transaction: `count` copies of the template server's instance row, named
 * `bench-<n>`, in a temporary table `copies (g, uuid)` that lives until the commit (for the
 * caller's copies of what else the template has). With `spreadOverNodes`, the copies are placed
 * round-robin on every compute node, each claiming there what the template claims, as servers
 * that booted across the cloud would.
 */
export async function copyInstances(
  db: Client,
  template: string,
  count: number,
  { spreadOverNodes = false } = {},
): Promise<void> {
  const columns: string[] = (
    await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_name = 'instances'
          AND column_name NOT IN ('id', 'uuid', 'display_name', 'hostname', 'created_at', 'host', 'node')`,
    )
  ).rows.map((row) => row.column_name);
  await db.query(
    `CREATE TEMP TABLE copies ON COMMIT DROP AS
       SELECT g, gen_random_uuid() AS uuid FROM generate_series(1, $1::int) g`,
    [count],
  );
  await db.query(
    `CREATE TEMP TABLE copy_nodes ON COMMIT DROP AS
       SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, host, hypervisor_hostname FROM compute_nodes`,
  );
  const [{ nodes }] = (await db.query<{ nodes: number }>('SELECT count(*)::int AS nodes FROM copy_nodes'))
    .rows;
  // Spread: copy g goes to node g mod nodes; else every copy stays on the template's node.
  await db.query(
    `INSERT INTO instances (uuid, display_name, hostname, created_at, host, node, ${columns.map((c) => `"${c}"`).join(', ')})
     SELECT c.uuid, 'bench-' || c.g, 'bench-' || c.g, i.created_at - make_interval(secs => c.g),
            coalesce(n.host, i.host), coalesce(n.hypervisor_hostname, i.node),
            ${columns.map((c) => `i."${c}"`).join(', ')}
       FROM copies c CROSS JOIN instances i
       LEFT JOIN copy_nodes n ON $2 AND n.n = c.g % $3
      WHERE i.uuid = $1`,
    [template, spreadOverNodes, Math.max(nodes, 1)],
  );
  if (!spreadOverNodes) return;
  await db.query(
    `INSERT INTO allocations (consumer_id, compute_node_id, vcpus, memory_mb, disk_gb)
     SELECT c.uuid, n.id, a.vcpus, a.memory_mb, a.disk_gb
       FROM copies c JOIN copy_nodes n ON n.n = c.g % $2
       JOIN allocations a ON a.consumer_id = $1`,
    [template, Math.max(nodes, 1)],
  );
}
