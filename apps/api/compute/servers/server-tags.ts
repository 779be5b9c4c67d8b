import { type EntityManager } from 'typeorm';
import { VmState } from '../../../../common/compute/instance-states';
import { InstanceTag } from '../../../../entities';
import { ApiError, conflict } from '../../common/api-error';
import { pyRepr } from '../../common/py-repr';

/** Nova's limits: objects.instance.MAX_TAG_COUNT and objects.tag.MAX_TAG_LENGTH. */
export const MAX_TAG_COUNT = 50;
export const MAX_TAG_LENGTH = 60;

/** parameter_types.tag: a non-empty string of at most 60 characters without '/' or ','. */
export const tagSchema = { type: 'string', minLength: 1, maxLength: MAX_TAG_LENGTH, pattern: '^[^,/]*$' };

export const tagsSchema = {
  title: 'Server tags',
  type: 'object',
  required: ['tags'],
  additionalProperties: false,
  properties: { tags: { type: 'array', items: tagSchema, maxItems: MAX_TAG_COUNT } },
} as const;

/** The 400 of PUT /servers/{id}/tags/{tag} for a tag in the URL that parameter_types.tag refuses. */
export function checkTag(tag: string): void {
  const why =
    tag.length === 0
      ? `${pyRepr(tag)} is too short`
      : tag.length > MAX_TAG_LENGTH
        ? `${pyRepr(tag)} is too long`
        : /[,/]/.test(tag)
          ? `${pyRepr(tag)} does not match ${pyRepr(tagSchema.pattern)}`
          : undefined;
  if (why === undefined) return;
  throw new ApiError(
    'badRequest',
    `Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. ` +
      `Validation error message: ${why}`,
  );
}

/** The vm_states in which Nova lets a server's tags change (_check_instance_in_valid_state). */
const TAGGABLE_VM_STATES: string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED];

export function checkTaggable(uuid: string, vmState: string, action: string): void {
  if (!TAGGABLE_VM_STATES.includes(vmState))
    throw conflict(`Cannot '${action}' instance ${uuid} while it is in vm_state ${vmState}`);
}

/** A server's tags in tag order, as Nova's (resource_id, tag) key returns them. */
export async function tagsOf(db: EntityManager, uuid: string): Promise<string[]> {
  const rows = await db
    .getRepository(InstanceTag)
    .find({ where: { instanceUuid: uuid }, order: { tag: 'ASC' } });
  return rows.map((row) => row.tag);
}
