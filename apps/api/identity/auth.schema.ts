/** POST /v3/auth/tokens, as Keystone validates it (password and token methods). */
const domainRef = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  anyOf: [{ required: ['id'] }, { required: ['name'] }],
};

export const authRequestSchema = {
  type: 'object',
  required: ['auth'],
  properties: {
    auth: {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: {
          type: 'object',
          required: ['methods'],
          properties: {
            methods: { type: 'array', items: { type: 'string' }, minItems: 1 },
            password: {
              type: 'object',
              required: ['user'],
              properties: {
                user: {
                  type: 'object',
                  required: ['password'],
                  properties: {
                    id: { type: 'string' },
                    name: { type: 'string' },
                    password: { type: 'string' },
                    domain: domainRef,
                  },
                },
              },
            },
            token: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
          },
        },
        scope: {
          anyOf: [
            { type: 'string', enum: ['unscoped'] },
            {
              type: 'object',
              properties: {
                project: {
                  type: 'object',
                  properties: { id: { type: 'string' }, name: { type: 'string' }, domain: domainRef },
                  anyOf: [{ required: ['id'] }, { required: ['name', 'domain'] }],
                },
                domain: domainRef,
                system: { type: 'object' },
              },
            },
          ],
        },
      },
    },
  },
} as const;

interface DomainRef {
  id?: string;
  name?: string;
}

export interface AuthRequest {
  auth: {
    identity: {
      methods: string[];
      password?: { user: { id?: string; name?: string; password: string; domain?: DomainRef } };
      token?: { id: string };
    };
    scope?:
      | 'unscoped'
      | { project?: { id?: string; name?: string; domain?: DomainRef }; domain?: DomainRef; system?: object };
  };
}
