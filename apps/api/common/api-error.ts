/**
 * Every API error is one of these kinds; each service renders it in its own wire shape (Nova's
 * `{"itemNotFound": {"code": 404, "message": ...}}`, Keystone's `{"error": ...}`, Neutron's
 * `{"NeutronError": ...}`), so every client parses it as it would from OpenStack.
 */
export const ERROR_KINDS = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  itemNotFound: 404,
  badMethod: 405,
  notAcceptable: 406,
  conflictingRequest: 409,
  gone: 410,
  overLimit: 413,
  unsupportedMediaType: 415,
  computeFault: 500,
  notImplemented: 501,
  serviceUnavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

export class ApiError extends Error {
  readonly status: number;
  /** Response headers that go with the error (Retry-After, say). */
  headers: Record<string, string> = {};

  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Neutron's error type, e.g. IpAddressGenerationFailure; other services ignore it. */
    readonly neutronType?: string,
    /** A status other than the kind's own, as Nova's 406 that it still calls a computeFault. */
    status?: number,
  ) {
    super(message);
    this.status = status ?? ERROR_KINDS[kind];
  }
}

export const badRequest = (message: string) => new ApiError('badRequest', message);
export const forbidden = (message: string) => new ApiError('forbidden', message);
export const notFound = (message: string) => new ApiError('itemNotFound', message);
export const conflict = (message: string) => new ApiError('conflictingRequest', message);
