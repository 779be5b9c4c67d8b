import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestStack, waitFor } from './stack';

/** The guests a fake host holds, by instance uuid (none yet: no file). */
export function fakeGuests(stack: TestStack, host: string): string[] {
  const file = join(stack.workDir, 'instances', host, 'fake-guests.json');
  return existsSync(file) ? Object.keys(JSON.parse(readFileSync(file, 'utf8'))) : [];
}

interface LiveInstance {
  uuid: string;
  vm_state: string;
  task_state: string | null;
  host: string | null;
}

/** Whose a claim is, in words: a deleted server, or a migration that ended. */
async function describeConsumer(stack: TestStack, consumer: string): Promise<string> {
  const [migration] = await stack.query<{ migration_type: string; status: string; instance_uuid: string }>(
    'SELECT migration_type, status, instance_uuid FROM instance_migrations WHERE uuid = $1',
    [consumer],
  );
  if (migration) {
    return `${consumer}, the ${migration.migration_type} of ${migration.instance_uuid}, ${migration.status}`;
  }
  const [instance] = await stack.query<{ vm_state: string }>(
    'SELECT vm_state FROM instances WHERE uuid = $1',
    [consumer],
  );
  return instance ? `${consumer}, a server ${instance.vm_state}` : `${consumer}, unknown`;
}

/**
 * What must hold of the whole cloud once no operation runs, whatever died meanwhile: no server in
 * a task state or building; every placed server has its guest on its host and nowhere else (a
 * resized one also on its source, until confirm or revert), one claim there (and its migration's
 * on the source), and its ports bound there; no guest, claim, port or held address belongs to
 * nothing. Returns what does not hold, in words; empty when everything does.
 */
export async function cloudViolations(stack: TestStack, hosts: string[]): Promise<string[]> {
  const violations: string[] = [];
  const instances = await stack.query<LiveInstance>(
    'SELECT uuid, vm_state, task_state, host FROM instances WHERE deleted_at IS NULL',
  );
  const resizing = new Map(
    (
      await stack.query<{ instance_uuid: string; uuid: string; source_compute: string }>(
        `SELECT instance_uuid, uuid, source_compute FROM instance_migrations
          WHERE status IN ('finished', 'confirming', 'reverting')`,
      )
    ).map((row) => [row.instance_uuid, row]),
  );
  const guests = new Map(hosts.map((host) => [host, new Set(fakeGuests(stack, host))]));
  const claims = await stack.query<{ consumer_id: string; host: string }>(
    'SELECT a.consumer_id, n.host FROM allocations a JOIN compute_nodes n ON n.id = a.compute_node_id',
  );
  // A port is a server's when the compute service bound it (ports.instance_uuid).
  const ports = await stack.query<{ id: string; instance_uuid: string; binding_host_id: string }>(
    'SELECT id, instance_uuid, binding_host_id FROM ports WHERE instance_uuid IS NOT NULL',
  );

  const live = new Map(instances.map((instance) => [instance.uuid, instance]));
  for (const instance of instances) {
    const name = `server ${instance.uuid} (${instance.vm_state})`;
    if (instance.task_state !== null) violations.push(`${name} is left in task state ${instance.task_state}`);
    if (instance.vm_state === 'building') violations.push(`${name} is left building`);
    if (!instance.host) continue;
    const migration = resizing.get(instance.uuid);
    const expectedHosts = new Set([instance.host, ...(migration ? [migration.source_compute] : [])]);
    for (const [host, held] of guests) {
      if (held.has(instance.uuid) && !expectedHosts.has(host))
        violations.push(`${name} has a guest on ${host}`);
    }
    if (instance.vm_state !== 'error' && !guests.get(instance.host)?.has(instance.uuid)) {
      violations.push(`${name} has no guest on its host ${instance.host}`);
    }
    const own = claims.filter((claim) => claim.consumer_id === instance.uuid);
    if (own.length !== 1 || own[0].host !== instance.host) {
      violations.push(`${name} on ${instance.host} has claims on [${own.map((c) => c.host).join(', ')}]`);
    }
    if (
      migration &&
      !claims.some((c) => c.consumer_id === migration.uuid && c.host === migration.source_compute)
    ) {
      violations.push(`${name} keeps no claim on its resize source ${migration.source_compute}`);
    }
    for (const port of ports.filter((p) => p.instance_uuid === instance.uuid)) {
      if (port.binding_host_id !== instance.host) {
        violations.push(`${name} on ${instance.host} has port ${port.id} bound to '${port.binding_host_id}'`);
      }
    }
  }

  for (const [host, held] of guests) {
    for (const uuid of held)
      if (!live.has(uuid)) violations.push(`host ${host} holds a guest of no server: ${uuid}`);
  }
  const migrationConsumers = new Set([...resizing.values()].map((m) => m.uuid));
  for (const claim of claims) {
    if (!live.has(claim.consumer_id) && !migrationConsumers.has(claim.consumer_id)) {
      violations.push(
        `a claim on ${claim.host} belongs to nothing: ${await describeConsumer(stack, claim.consumer_id)}`,
      );
    }
  }
  for (const port of ports) {
    if (!live.has(port.instance_uuid))
      violations.push(`port ${port.id} belongs to no server: ${port.instance_uuid}`);
  }
  const [{ held }] = await stack.query<{ held: number }>(
    'SELECT count(*)::int AS held FROM address_quarantine',
  );
  if (held > 0) violations.push(`${held} addresses are still quarantined after every host reported`);
  return violations;
}

/**
 * The violations once the cloud has had `timeoutMs` to settle (hosts report every second and
 * destroy what must not run): empty as soon as everything holds, else what still did not.
 */
export async function violationsOnceSettled(
  stack: TestStack,
  hosts: string[],
  timeoutMs: number,
): Promise<string[]> {
  let violations: string[] = [];
  await waitFor(
    async () => (violations = await cloudViolations(stack, hosts)).length === 0,
    timeoutMs,
    'the invariants to hold',
  ).catch(() => undefined);
  return violations;
}
