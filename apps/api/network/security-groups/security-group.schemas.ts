/** Request bodies of /v2.0/security-groups and /security-group-rules, with Neutron's attribute names. */
const string255 = { type: 'string', maxLength: 255 };
const owner = { tenant_id: string255, project_id: string255 };

const wrapped = (resource: string, properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  required: [resource],
  additionalProperties: false,
  properties: {
    [resource]: { type: 'object', additionalProperties: false, required, properties },
  },
});

export interface SecurityGroupBody {
  name?: string;
  description?: string;
  stateful?: boolean;
  tenant_id?: string;
  project_id?: string;
}

const groupAttributes = { name: string255, description: string255, stateful: { type: 'boolean' } };

export const groupCreateSchema = wrapped('security_group', { ...groupAttributes, ...owner });
export const groupUpdateSchema = wrapped('security_group', groupAttributes);

export interface RuleBody {
  security_group_id: string;
  direction: string;
  ethertype?: string;
  protocol?: string | number | null;
  port_range_min?: string | number | null;
  port_range_max?: string | number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  remote_address_group_id?: null;
  description?: string;
  tenant_id?: string;
  project_id?: string;
}

// Values are checked by rule-values.ts, which words the refusals as Neutron does.
const scalar = { type: ['string', 'integer', 'null'] };

export const ruleCreateSchema = wrapped(
  'security_group_rule',
  {
    ...owner,
    security_group_id: { type: 'string' },
    direction: { type: 'string' },
    ethertype: { type: 'string' },
    protocol: scalar,
    port_range_min: scalar,
    port_range_max: scalar,
    remote_ip_prefix: { type: ['string', 'null'] },
    remote_group_id: { type: ['string', 'null'] },
    // Address groups are not implemented; clients send null when they do not use them.
    remote_address_group_id: { type: 'null' },
    description: string255,
  },
  ['security_group_id', 'direction'],
);

/** Only a rule's description changes after creation, as in Neutron. */
export const ruleUpdateSchema = wrapped('security_group_rule', { description: string255 });
