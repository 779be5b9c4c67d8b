import { type Image } from '../../../entities';
import { ApiError } from '../common/api-error';
import { validateBody } from '../common/validation';
import { checkSettable, isBaseAttribute, setProperty, WRITABLE_ATTRIBUTES } from './image-attributes';
import { imageSchema } from './image.schema';

/** The media type of Glance's PATCH (JSON Schema draft 10 style operations). */
export const IMAGE_PATCH_MEDIA_TYPE = 'application/openstack-images-v2.1-json-patch';

const OPERATIONS = ['add', 'remove', 'replace'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface ImageChange {
  op: Operation;
  /** The top-level attribute or extra property the operation targets. */
  key: string;
  value?: unknown;
}

const bad = (message: string) => new ApiError('badRequest', message);

/** Glance's limited JSON pointer: one token, with ~0 and ~1 escapes. */
function decodePointer(pointer: unknown): string[] {
  const text = String(pointer);
  if (!text.startsWith('/')) throw bad(`Pointer \`${text}\` does not start with "/".`);
  if (/\/\s*?\//.test(text.slice(1))) throw bad(`Pointer \`${text}\` contains adjacent "/".`);
  if (text.length > 1 && text.endsWith('/')) throw bad(`Pointer \`${text}\` end with "/".`);
  if (/~[^01]/.test(text) || text.endsWith('~')) {
    throw bad(`Pointer \`${text}\` contains "~" not part of a recognized escape sequence.`);
  }
  return text
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** Parses and validates a PATCH body into changes, raising Glance's 400s and 403s. */
export function parseImagePatch(body: unknown): ImageChange[] {
  if (body === undefined) throw bad('Body expected in request.');
  if (!Array.isArray(body)) throw bad('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw bad('Operations must be JSON objects.');
    const change = raw as Record<string, unknown>;
    const available = OPERATIONS.join(', ');
    if (change.op === undefined) {
      throw bad(
        `Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`,
      );
    }
    const op = change.op as Operation;
    if (!OPERATIONS.includes(op)) {
      throw bad(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${available}.`);
    }
    if (change.path === undefined) throw bad("Unable to find 'path' in JSON Schema change");
    const path = decodePointer(change.path);
    if (path.length !== 1) throw bad(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const [key] = path;
    if (op !== 'remove' && !('value' in change))
      throw bad(`Operation "${op}" requires a member named "value".`);
    checkSettable(key, false);
    if (op !== 'remove') validateBody(imageSchema, { [key]: change.value }, 'glance');
    return { op, key, value: change.value };
  });
}

/**
 * Applies changes to `image` in order, as Glance does: add sets, replace sets what exists, remove
 * deletes an extra property (base attributes cannot be removed).
 */
export function applyImagePatch(image: Image, changes: ImageChange[]): void {
  for (const { op, key, value } of changes) {
    if (isBaseAttribute(key)) {
      if (op === 'remove') throw new ApiError('forbidden', `Property ${key} may not be removed.`);
      WRITABLE_ATTRIBUTES[key](image, value);
      continue;
    }
    const exists = Object.hasOwn(image.properties, key);
    if (op !== 'add' && !exists) throw new ApiError('conflictingRequest', `Property ${key} does not exist.`);
    if (op === 'remove') delete image.properties[key];
    else setProperty(image, key, value);
  }
}
