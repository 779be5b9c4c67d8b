import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';

export interface RequestContext {
  requestId: string;
  /** SQL statements the request has sent so far (countQuery), for its metrics. */
  queries: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The context of the request being served, if any. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** Counts one SQL statement against the request being served (none outside a request). */
export function countQuery(): void {
  const context = storage.getStore();
  if (context) context.queries++;
}

/** The request id of the request being served, for logs and instance actions. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/**
 * Gives every request an id, as oslo.middleware does: `x-openstack-request-id` on every
 * response and, under /compute, `x-compute-request-id` too. Log lines of the request carry it.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const requestId = newRequestId();
  res.setHeader('x-openstack-request-id', requestId);
  if (req.path.startsWith('/compute')) res.setHeader('x-compute-request-id', requestId);
  (req as Request & { requestId: string }).requestId = requestId;
  storage.run({ requestId, queries: 0 }, next);
}

/** The request id inside request handling, where it always exists. */
export function requestId(): string {
  const id = currentRequestId();
  if (!id) throw new Error('requestId() called outside a request');
  return id;
}
