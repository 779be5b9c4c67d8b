import { randomUUID } from 'node:crypto';

/** Keystone's id form: a UUID without dashes. */
export function newKeystoneId(): string {
  return randomUUID().replace(/-/g, '');
}
