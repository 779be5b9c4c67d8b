import { type EntityManager } from 'typeorm';
import { Network, Subnet } from '../../entities';
import { createNetwork } from '../../common/network/networks';
import { createSubnet } from '../../common/network/subnets';

/**
 * devstack's tenant network, shared so that every project can boot on it without creating one:
 * network `private` owned by project admin, with subnet `private-subnet` 10.0.0.0/24 (gateway .1,
 * addresses .2 to .254, DHCP on). Needs seedIdentity's admin project.
 */
export async function seedNetwork(db: EntityManager): Promise<void> {
  const [admin] = await db.query(`SELECT id FROM projects WHERE domain_id = 'default' AND name = 'admin'`);
  const projectId: string = admin.id;
  const network =
    (await db.getRepository(Network).findOneBy({ projectId, name: 'private' })) ??
    (await createNetwork(db, { projectId, name: 'private', shared: true }));
  if (await db.getRepository(Subnet).existsBy({ networkId: network.id, name: 'private-subnet' })) return;
  await createSubnet(db, {
    networkId: network.id,
    projectId,
    name: 'private-subnet',
    ipVersion: 4,
    cidr: '10.0.0.0/24',
    gatewayIp: '10.0.0.1',
    allocationPools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
    enableDhcp: true,
  });
}
