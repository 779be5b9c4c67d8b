/** Nova's schemas of the action bodies that it validates (nova/api/openstack/compute/schemas/). */

/** servers.py `reboot`: the type in any of the three spellings Nova lists. */
export const rebootSchema = {
  type: 'object',
  properties: {
    reboot: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
      required: ['type'],
      additionalProperties: false,
    },
  },
  required: ['reboot'],
  additionalProperties: false,
} as const;

export interface RebootValue {
  type: string;
}

/** lock_server.py `lock_v2_73`: an optional reason; validated only from 2.73. */
export const lockSchema = {
  type: 'object',
  properties: {
    lock: {
      type: ['object', 'null'],
      properties: { locked_reason: { type: 'string', minLength: 1, maxLength: 255 } },
      additionalProperties: false,
    },
  },
  required: ['lock'],
  additionalProperties: false,
} as const;

export type LockValue = { locked_reason?: string } | null;

/** reset_server_state.py: the two states an admin may reset a server to. */
export const resetStateSchema = {
  type: 'object',
  properties: {
    'os-resetState': {
      type: 'object',
      properties: { state: { type: 'string', enum: ['active', 'error'] } },
      required: ['state'],
      additionalProperties: false,
    },
  },
  required: ['os-resetState'],
  additionalProperties: false,
} as const;

export interface ResetStateValue {
  state: 'active' | 'error';
}

/** console_output.py: a line count as an integer ≥ -1 or a numeric string; null or none: all. */
export const consoleOutputSchema = {
  type: 'object',
  properties: {
    'os-getConsoleOutput': {
      type: 'object',
      properties: {
        length: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$', minimum: -1 },
      },
      additionalProperties: false,
    },
  },
  required: ['os-getConsoleOutput'],
  additionalProperties: false,
} as const;

export interface ConsoleOutputValue {
  length?: number | string | null;
}
