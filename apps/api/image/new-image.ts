import { randomUUID } from 'node:crypto';
import { Image } from '../../../entities';
import { ApiError } from '../common/api-error';
import { validateBody } from '../common/validation';
import { checkSettable, isBaseAttribute, setProperty, WRITABLE_ATTRIBUTES } from './image-attributes';
import { imageSchema } from './image.schema';

/**
 * The queued, data-less image a POST /v2/images body describes, with Glance's defaults (visibility
 * `shared`, owned by the caller's project); keys that are not base attributes become extra properties.
 */
export function newImage(body: unknown, callerProject: string | undefined): Image {
  if (body === undefined) throw new ApiError('badRequest', 'Body expected in request.');
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    Object.keys(body).forEach((key) => checkSettable(key, true));
  }
  const fields = validateBody<Record<string, unknown>>(imageSchema, body, 'glance');
  const now = new Date();
  const image = Object.assign(new Image(), {
    id: (fields.id as string | undefined) ?? randomUUID(),
    name: null,
    status: 'queued',
    visibility: 'shared',
    protected: false,
    osHidden: false,
    owner: callerProject ?? null,
    diskFormat: null,
    containerFormat: null,
    size: null,
    virtualSize: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    minDisk: 0,
    minRam: 0,
    properties: {},
    tags: [],
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    uploadLeaseUntil: null,
  } satisfies Partial<Image>);
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id') continue;
    if (isBaseAttribute(key)) WRITABLE_ATTRIBUTES[key](image, value);
    else setProperty(image, key, value);
  }
  return image;
}
