import { Injectable } from '@nestjs/common';
import { DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { networkNotFound, portNotFound, subnetNotFound } from '../../../common/network/neutron-errors';
import { networkUsableBy, networkVisibleTo } from '../../../common/network/visibility';
import { isUuid } from '../../../common/uuid';
import { Network, Port, Subnet } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, isAdmin } from '../common/auth/auth-context';
import { type OwnerBody } from './network.schemas';

/**
 * What a caller may see, as Neutron's default policy has it: the admin sees everything; a project
 * sees its own resources, shared and external networks with their subnets, and the ports on its
 * networks. Anything else answers 404, never 403.
 */
@Injectable()
export class NetworkAccess {
  constructor(readonly dataSource: DataSource) {}

  private get db() {
    return this.dataSource.manager;
  }

  networks(auth: AuthContext): SelectQueryBuilder<Network> {
    const qb = this.db.getRepository(Network).createQueryBuilder('network');
    return isAdmin(auth) ? qb : qb.where(networkVisibleTo('network'), { projectId: auth.projectId });
  }

  subnets(auth: AuthContext): SelectQueryBuilder<Subnet> {
    const qb = this.db.getRepository(Subnet).createQueryBuilder('subnet');
    if (isAdmin(auth)) return qb;
    return qb
      .innerJoin(Network, 'network', 'network.id = subnet.networkId')
      .where(`(subnet.projectId = :projectId OR ${networkVisibleTo('network')})`, {
        projectId: auth.projectId,
      });
  }

  ports(auth: AuthContext): SelectQueryBuilder<Port> {
    const qb = this.db.getRepository(Port).createQueryBuilder('port');
    if (isAdmin(auth)) return qb;
    return qb
      .innerJoin(Network, 'network', 'network.id = port.networkId')
      .where('(port.projectId = :projectId OR network.projectId = :projectId)', {
        projectId: auth.projectId,
      });
  }

  /**
   * The project a new resource will belong to: the caller's, unless the admin names another in
   * the body (project_id or its old name tenant_id).
   */
  owner(auth: AuthContext, body: OwnerBody): string {
    const requested = body.project_id ?? body.tenant_id;
    if (body.project_id !== undefined && body.tenant_id !== undefined && body.project_id !== body.tenant_id) {
      throw new ApiError('badRequest', 'project_id and tenant_id do not match');
    }
    if (requested !== undefined && requested !== auth.projectId && !isAdmin(auth)) {
      throw new ApiError(
        'badRequest',
        "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
      );
    }
    return requested ?? auth.projectId ?? '';
  }

  /** The row with `id` among those `qb` selects, or the 404. */
  private async one<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, id: string, notFound: ApiError) {
    const found = isUuid(id) && (await qb.andWhere(`${qb.alias}.id = :id`, { id }).getOne());
    if (!found) throw notFound;
    return found;
  }

  network = (auth: AuthContext, id: string) => this.one(this.networks(auth), id, networkNotFound(id));
  subnet = (auth: AuthContext, id: string) => this.one(this.subnets(auth), id, subnetNotFound(id));
  port = (auth: AuthContext, id: string) => this.one(this.ports(auth), id, portNotFound(id));

  /** A network the caller may put ports on: its own or a shared one (seeing is not using). */
  usableNetwork(auth: AuthContext, id: string): Promise<Network> {
    const qb = this.db.getRepository(Network).createQueryBuilder('network');
    if (!isAdmin(auth)) qb.where(networkUsableBy('network'), { projectId: auth.projectId });
    return this.one(qb, id, networkNotFound(id));
  }
}
