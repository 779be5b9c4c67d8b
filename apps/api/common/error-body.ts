import { STATUS_CODES } from 'node:http';
import { type ApiError } from './api-error';

/** Shapes an ApiError the way the OpenStack service owning `path` would. */
export function errorBody(path: string, error: ApiError): Record<string, unknown> {
  const title = STATUS_CODES[error.status] ?? 'Error';
  // keystonemiddleware answers every 401, whatever the service behind it.
  if (path.startsWith('/identity') || error.kind === 'unauthorized') {
    return { error: { code: error.status, title, message: error.message } };
  }
  if (path.startsWith('/network')) {
    return {
      NeutronError: {
        type: error.neutronType ?? `HTTP${title.replace(/\s+/g, '')}`,
        message: error.message,
        detail: '',
      },
    };
  }
  return { [error.kind]: { code: error.status, message: error.message } };
}
