import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queueFirewallSync } from '../../../../../common/compute/security-group-events';
import { type WorkflowLaunch } from '../../../../../common/compute/workflow-outbox';
import { fixedIpsOf } from '../../../../../common/network/ports';
import {
  securityGroupsOf,
  updatePortSecurityGroups,
} from '../../../../../common/network/port-security-groups';
import { updateRevised } from '../../../../../common/network/revisions';
import {
  ambiguousGroupMessage,
  findSecurityGroup,
} from '../../../../../common/network/security-group-lookup';
import { Port } from '../../../../../entities';
import { ApiError, badRequest, notFound } from '../../../common/api-error';
import { isAdmin } from '../../../common/auth/auth-context';
import { WorkflowStarter } from '../../../common/workflow-starter';
import { type ActionRequest } from './server-action';

/** {"name": ...} as Nova's SecurityGroupActionController._parse reads it (no JSON schema). */
function groupName(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Missing parameter dict');
  }
  if (!('name' in value)) throw badRequest('Security group not specified');
  const name = (value as { name: unknown }).name;
  if (!name || String(name).trim() === '') throw badRequest('Security group name cannot be empty');
  return String(name);
}

/** The group by name or id, and the instance's ports (locked), or Nova's 404/409. */
async function groupAndPorts(db: EntityManager, { caller, instance, value }: ActionRequest<unknown>) {
  const name = groupName(value);
  const projectId = caller.projectId ?? '';
  const found = await findSecurityGroup(db, name, { projectId, admin: isAdmin(caller) });
  if (found === 'ambiguous') throw new ApiError('conflictingRequest', ambiguousGroupMessage(name));
  if (found === 'not-found') throw notFound(`Security group ${name} is not found for project ${projectId}`);
  const ports = await db
    .getRepository(Port)
    .createQueryBuilder('p')
    .where('p.instanceUuid = :uuid', { uuid: instance.uuid })
    .orderBy('p.createdAt')
    .addOrderBy('p.id')
    .setLock('pessimistic_write')
    .getMany();
  if (ports.length === 0) {
    throw notFound(`instance_id ${instance.uuid} could not be found as device id on any ports`);
  }
  const groups = await securityGroupsOf(
    db,
    ports.map((port) => port.id),
  );
  return { name, groupId: found.id, ports, groups };
}

async function setGroups(db: EntityManager, port: Port, groupIds: string[], admin: boolean) {
  await updatePortSecurityGroups(db, port, groupIds, admin);
  await updateRevised(db, Port, port.id, {});
}

/** The instance's hosts (and those of servers naming the group as remote) told, as Neutron's agents are. */
const queueSync = (db: EntityManager, ports: Port[], groupId: string) =>
  queueFirewallSync(db, { portIds: ports.map((port) => port.id), memberGroupIds: [groupId] });

/**
 * addSecurityGroup and removeSecurityGroup, which Nova's API does alone with Neutron (no compute
 * call, no instance action recorded): every port of the instance joins or leaves the group. Unlike
 * Nova's port-by-port updates, all ports change in one transaction or none does.
 */
@Injectable()
export class SecurityGroupActions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workflows: WorkflowStarter,
  ) {}

  async add(request: ActionRequest<unknown>): Promise<void> {
    await this.started(
      this.dataSource.transaction(async (db) => {
        const { groupId, ports, groups } = await groupAndPorts(db, request);
        const fixedIps = await fixedIpsOf(
          db,
          ports.map((port) => port.id),
        );
        for (const port of ports) {
          // Nova's _has_security_group_requirements: an address and port security on.
          if (!port.portSecurityEnabled || fixedIps.get(port.id)!.length === 0) {
            throw badRequest(
              'Network requires port_security_enabled and subnet associated in order to apply security groups.',
            );
          }
          // Nova appends the group as it is; Neutron refuses a duplicate, and Nova passes that on.
          if (groups.get(port.id)!.includes(groupId)) {
            throw badRequest(
              `Invalid input for security_groups. Reason: Duplicate items in the list: '${groupId}'.`,
            );
          }
          await setGroups(db, port, [...groups.get(port.id)!, groupId], isAdmin(request.caller));
        }
        return queueSync(db, ports, groupId);
      }),
    );
  }

  async remove(request: ActionRequest<unknown>): Promise<void> {
    await this.started(
      this.dataSource.transaction(async (db) => {
        const { name, groupId, ports, groups } = await groupAndPorts(db, request);
        let found = false;
        for (const port of ports) {
          const current = groups.get(port.id)!;
          if (!current.includes(groupId)) continue;
          await setGroups(
            db,
            port,
            current.filter((id) => id !== groupId),
            isAdmin(request.caller),
          );
          found = true;
        }
        if (!found) {
          throw notFound(`Security group ${name} not associated with the instance ${request.instance.uuid}`);
        }
        return queueSync(db, ports, groupId);
      }),
    );
  }

  /** Starts, after commit, the launches the transaction queued. */
  private async started(committed: Promise<WorkflowLaunch[]>): Promise<void> {
    for (const launch of await committed) await this.workflows.start(launch);
  }
}
