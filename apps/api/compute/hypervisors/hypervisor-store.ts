import { type DataSource } from 'typeorm';
import { ComputeNode, Service } from '../../../../entities';
import { badRequest, notFound } from '../../common/api-error';
import { type ApiVersion } from '../microversion';
import { canonicalUuid, isRowId, parseInteger, UUID_FOR_ID_MIN_VERSION } from '../services/resource-ids';
import { type HostedServer, type Hypervisor } from './hypervisor-view';

/** SQL LIKE '%pattern%' as Nova's compute_node_search_by_hypervisor matches, case-insensitive as MySQL's. */
const likeMatcher = (pattern: string) =>
  new RegExp(
    pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.'),
    'i',
  );

/** Reads compute nodes with their services; a node whose service was deleted is skipped, as in Nova. */
export class HypervisorStore {
  constructor(
    private readonly db: DataSource,
    private readonly isUp: (service: Service) => boolean,
  ) {}

  async all(): Promise<Hypervisor[]> {
    const nodes = await this.db.getRepository(ComputeNode).find({ order: { id: 'ASC' } });
    const services = await this.db.getRepository(Service).find();
    return nodes.flatMap((node) => {
      const service = services.find((candidate) => candidate.id === node.serviceId);
      return service ? [{ node, service, up: this.isUp(service) }] : [];
    });
  }

  /** The hypervisors whose hostname matches, or Nova's 404 when none does. */
  async matching(pattern: string): Promise<Hypervisor[]> {
    const like = likeMatcher(pattern);
    const found = (await this.all()).filter(({ node }) => like.test(node.hypervisorHostname));
    if (found.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    return found;
  }

  /** The hypervisor a path names: from 2.53 a UUID (else 400), below it the integer id (else 404). */
  async byId(id: string, v: ApiVersion): Promise<Hypervisor> {
    const missing = () => notFound(`Hypervisor with ID '${id}' could not be found.`);
    let matches: (node: ComputeNode) => boolean;
    if (v.atLeast(UUID_FOR_ID_MIN_VERSION)) {
      const uuid = canonicalUuid(id);
      if (!uuid) throw badRequest(`Invalid uuid ${id}`);
      matches = (node) => node.uuid === uuid;
    } else {
      const serial = parseInteger(id);
      if (serial === null || !isRowId(serial)) throw missing();
      matches = (node) => node.id === serial;
    }
    const entry = (await this.all()).find(({ node }) => matches(node));
    if (!entry) throw missing();
    return entry;
  }

  /** The live servers on a host, oldest first, as Nova's instance_get_all_by_host. */
  async serversOn(host: string): Promise<HostedServer[]> {
    return this.db.query(
      `SELECT display_name AS name, uuid FROM instances
        WHERE host = $1 AND deleted_at IS NULL ORDER BY created_at, uuid`,
      [host],
    );
  }
}
