import {
  RUNBOOK_NAMES,
  RUNBOOK_SIGNALS,
  type RunbookName,
  type RunbookParameters,
  type RunbookSignal,
} from '../../../../common/compute/runbooks';

/** parameter_types.fqdn, as Nova's host fields. */
const host = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };

/** POST /os-runbooks: which runbook, on which host, with what parameters (each bounded). */
export const createRunbookSchema = {
  type: 'object',
  required: ['runbook', 'host'],
  additionalProperties: false,
  properties: {
    runbook: { type: 'string', enum: [...RUNBOOK_NAMES] },
    host,
    concurrency: { type: 'integer', minimum: 1, maximum: 100 },
    approve_batches: { type: 'boolean' },
    reason: { type: 'string', minLength: 1, maxLength: 255 },
    busy_wait_seconds: { type: 'integer', minimum: 0, maximum: 86400 },
    force_down: { type: 'boolean' },
    maintenance_seconds: { type: 'integer', minimum: 0, maximum: 30 * 86400 },
    move_back: { type: 'boolean' },
  },
};

export type CreateRunbookBody = { runbook: RunbookName; host: string } & Partial<RunbookParameters>;

/** The parameters with their defaults. */
export function runbookParameters(body: CreateRunbookBody, id: string): RunbookParameters {
  return {
    concurrency: body.concurrency ?? 2,
    approve_batches: body.approve_batches ?? false,
    reason: body.reason ?? `${body.runbook} runbook ${id}`,
    busy_wait_seconds: body.busy_wait_seconds ?? 300,
    force_down: body.force_down ?? false,
    maintenance_seconds: body.maintenance_seconds ?? 0,
    move_back: body.move_back ?? false,
  };
}

/** POST /os-runbooks/{id}/action: one key, the signal, as Nova's server actions ({"pause": null}). */
export const runbookActionSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(
      RUNBOOK_SIGNALS.filter((name) => name !== 'abort').map((name) => [name, { type: 'null' }]),
    ),
    abort: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: { enable_host: { type: 'boolean' } },
    },
  },
};

export type RunbookActionBody = Partial<Record<RunbookSignal, null | { enable_host?: boolean }>>;
