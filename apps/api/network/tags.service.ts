import { Injectable } from '@nestjs/common';
import { updateRevised } from '../../../common/network/revisions';
import { Network, Port, Subnet } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { NetworkAccess } from './network-access';
import { tagsSchema } from './network.schemas';

const tagNotFound = (tag: string) =>
  new ApiError('itemNotFound', `Tag ${tag} could not be found.`, 'TagNotFound');

/** Neutron's standard-attr-tag extension: /v2.0/{networks,subnets,ports}/{id}/tags[/{tag}]. */
@Injectable()
export class TagsService {
  constructor(private readonly access: NetworkAccess) {}

  private async resource(auth: AuthContext, collection: string, id: string) {
    enforce(auth, 'network:get');
    switch (collection) {
      case 'networks':
        return { entity: Network, row: await this.access.network(auth, id) };
      case 'subnets':
        return { entity: Subnet, row: await this.access.subnet(auth, id) };
      case 'ports':
        return { entity: Port, row: await this.access.port(auth, id) };
      default:
        throw new ApiError('itemNotFound', 'The resource could not be found.');
    }
  }

  private async write(
    auth: AuthContext,
    collection: string,
    id: string,
    change: (tags: string[]) => string[],
  ) {
    const { entity, row } = await this.resource(auth, collection, id);
    enforce(auth, 'network:write', { projectId: row.projectId });
    return this.access.dataSource.transaction(async (db) => {
      // Read again under lock: two concurrent tag changes must not lose one another.
      const locked = await db
        .getRepository<{ id: string; tags: string[] }>(entity)
        .createQueryBuilder('tagged')
        .where('tagged.id = :id', { id })
        .setLock('pessimistic_write')
        .getOneOrFail();
      const tags = [...new Set(change(locked.tags))];
      await updateRevised(db, entity, id, { tags });
      return { tags };
    });
  }

  async list(auth: AuthContext, collection: string, id: string) {
    return { tags: (await this.resource(auth, collection, id)).row.tags };
  }

  async check(auth: AuthContext, collection: string, id: string, tag: string) {
    if (!(await this.resource(auth, collection, id)).row.tags.includes(tag)) throw tagNotFound(tag);
  }

  replace(auth: AuthContext, collection: string, id: string, body: unknown) {
    const { tags } = validateBody<{ tags: string[] }>(tagsSchema, body, 'neutron');
    return this.write(auth, collection, id, () => tags);
  }

  async add(auth: AuthContext, collection: string, id: string, tag: string) {
    validateBody(tagsSchema, { tags: [tag] }, 'neutron');
    await this.write(auth, collection, id, (tags) => [...tags, tag]);
  }

  async clear(auth: AuthContext, collection: string, id: string) {
    await this.write(auth, collection, id, () => []);
  }

  async remove(auth: AuthContext, collection: string, id: string, tag: string) {
    await this.write(auth, collection, id, (tags) => {
      if (!tags.includes(tag)) throw tagNotFound(tag);
      return tags.filter((kept) => kept !== tag);
    });
  }
}
