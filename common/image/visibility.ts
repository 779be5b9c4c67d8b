import { type DataSource, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { Image, type MemberStatus } from '../../entities';

/** Who asks about images: the project of the token, and whether it carries the admin role. */
export interface ImageCaller {
  projectId?: string;
  isAdmin: boolean;
}

/** Which memberships make a shared image visible: one status, or any ('all'). */
export type MemberStatusFilter = MemberStatus | 'all';

/**
 * The SQL condition (over the images table aliased `alias`) under which `caller` may see an
 * image, as Glance decides it: admin sees all; everyone sees public and community images; a
 * project sees its own images and the shared images it is a member of (in `memberStatus`).
 */
export function imageVisibleTo(
  caller: ImageCaller,
  alias: string,
  memberStatus: MemberStatusFilter = 'all',
): { where: string; params: ObjectLiteral } {
  if (caller.isAdmin) return { where: 'TRUE', params: {} };
  const everyone = `${alias}.visibility IN ('public', 'community')`;
  if (!caller.projectId) return { where: everyone, params: {} };
  const statusClause = memberStatus === 'all' ? '' : ' AND m.status = :visibleMemberStatus';
  return {
    where:
      `(${everyone} OR ${alias}.owner = :visibleProject OR (${alias}.visibility = 'shared' AND EXISTS (` +
      `SELECT 1 FROM image_members m WHERE m.image_id = ${alias}.id AND m.member = :visibleProject${statusClause})))`,
    params: { visibleProject: caller.projectId, visibleMemberStatus: memberStatus },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Image ids are UUIDs; anything else names no image (and must not reach a uuid column). */
export const isImageId = (id: string) => UUID.test(id);

/** A query for the image `imageId` when it is not deleted and `caller` may see it (alias `i`). */
export function visibleImageQuery(
  db: EntityManager | DataSource,
  imageId: string,
  caller: ImageCaller,
): SelectQueryBuilder<Image> {
  const visible = imageVisibleTo(caller, 'i');
  return db
    .getRepository(Image)
    .createQueryBuilder('i')
    .where('i.id = :imageId AND i.deleted_at IS NULL', { imageId })
    .andWhere(visible.where, visible.params);
}
