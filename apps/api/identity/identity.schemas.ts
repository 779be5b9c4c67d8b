/** Request bodies of Keystone's resource APIs; unknown attributes are allowed, as Keystone stores extras. */
const name = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
const optionalText = { type: ['string', 'null'] };

export const domainSchema = (required: string[]) => ({
  type: 'object',
  required: ['domain'],
  properties: {
    domain: {
      type: 'object',
      required,
      properties: { name: name(64), description: optionalText, enabled: { type: 'boolean' } },
    },
  },
});

export const projectSchema = (required: string[]) => ({
  type: 'object',
  required: ['project'],
  properties: {
    project: {
      type: 'object',
      required,
      properties: {
        name: name(64),
        domain_id: { type: 'string' },
        parent_id: { type: ['string', 'null'] },
        description: optionalText,
        enabled: { type: 'boolean' },
        is_domain: { type: 'boolean', enum: [false] },
        tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 80 },
      },
    },
  },
});

export const userSchema = (required: string[]) => ({
  type: 'object',
  required: ['user'],
  properties: {
    user: {
      type: 'object',
      required,
      properties: {
        name: name(255),
        domain_id: { type: 'string' },
        password: { type: ['string', 'null'] },
        enabled: { type: 'boolean' },
        email: optionalText,
        description: optionalText,
        default_project_id: { type: ['string', 'null'] },
      },
    },
  },
});

export const roleSchema = (required: string[]) => ({
  type: 'object',
  required: ['role'],
  properties: {
    role: {
      type: 'object',
      required,
      properties: { name: name(255), description: optionalText, domain_id: { type: 'null' } },
    },
  },
});

export const passwordChangeSchema = {
  type: 'object',
  required: ['user'],
  properties: {
    user: {
      type: 'object',
      required: ['password', 'original_password'],
      properties: { password: { type: 'string', minLength: 1 }, original_password: { type: 'string' } },
    },
  },
};

export interface DomainBody {
  domain: { name?: string; description?: string | null; enabled?: boolean };
}
export interface ProjectBody {
  project: {
    name?: string;
    domain_id?: string;
    parent_id?: string | null;
    description?: string | null;
    enabled?: boolean;
    tags?: string[];
  };
}
export interface UserBody {
  user: {
    name?: string;
    domain_id?: string;
    password?: string | null;
    enabled?: boolean;
    email?: string | null;
    description?: string | null;
    default_project_id?: string | null;
  };
}
export interface RoleBody {
  role: { name?: string; description?: string | null };
}
