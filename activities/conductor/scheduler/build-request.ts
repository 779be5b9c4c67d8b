import { type EntityManager } from 'typeorm';
import { type Instance, type ServerGroupPolicy } from '../../../entities';
import { type Resources } from './host-state';
import { type SchedulingRequest } from './scheduling-request';

/** What an instance of this flavor takes of a node: disk is root + ephemeral + swap, in GB. */
export function instanceResources(instance: Pick<Instance, 'flavor'>): Resources {
  const { flavor } = instance;
  return {
    vcpus: flavor.vcpus,
    memoryMb: flavor.memoryMb,
    diskGb: flavor.rootGb + flavor.ephemeralGb + Math.ceil(flavor.swap / 1024),
  };
}

/** Hosts the given instances hold allocations on, one entry per instance (a host may repeat). */
async function hostsOf(db: EntityManager, instanceUuids: string[]): Promise<string[]> {
  if (instanceUuids.length === 0) return [];
  const rows: { host: string }[] = await db.query(
    `SELECT n.host FROM allocations a JOIN compute_nodes n ON n.id = a.compute_node_id
      WHERE a.consumer_id = ANY($1::uuid[])`,
    [instanceUuids],
  );
  return rows.map((row) => row.host);
}

/** The scheduler's view of an instance's request: its resources, hints and group. */
export async function buildSchedulingRequest(
  db: EntityManager,
  instance: Instance,
  image: { properties: Record<string, string> } = instance.requestSpec.image,
): Promise<SchedulingRequest> {
  const spec = instance.requestSpec;
  let group: SchedulingRequest['group'];
  if (spec.groupUuid) {
    const [row]: { policy: ServerGroupPolicy; rules: Record<string, number> }[] = await db.query(
      'SELECT policy, rules FROM server_groups WHERE uuid = $1',
      [spec.groupUuid],
    );
    const members: { instance_uuid: string }[] = await db.query(
      'SELECT instance_uuid FROM server_group_members WHERE group_uuid = $1 AND instance_uuid <> $2',
      [spec.groupUuid, instance.uuid],
    );
    if (row) {
      group = {
        uuid: spec.groupUuid,
        policy: row.policy,
        maxServerPerHost: row.rules.max_server_per_host,
        memberHosts: await hostsOf(
          db,
          members.map((member) => member.instance_uuid),
        ),
      };
    }
  }
  return {
    instanceUuid: instance.uuid,
    projectId: instance.projectId,
    flavorExtraSpecs: instance.flavor.extraSpecs,
    resources: instanceResources(instance),
    availabilityZone: spec.availabilityZone,
    imageProperties: image.properties,
    group,
    sameHost: await hostsOf(db, spec.sameHost ?? []),
    differentHost: await hostsOf(db, spec.differentHost ?? []),
  };
}
