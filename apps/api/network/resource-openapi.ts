import { type JsonSchema, wrapped } from '../common/openapi-shapes';
import { neutronListParams } from './list-query';
import {
  networkCreateSchema,
  networkUpdateSchema,
  portCreateSchema,
  portUpdateSchema,
  subnetCreateSchema,
  subnetUpdateSchema,
} from './network.schemas';
import { NETWORK, neutronList, PORT, SECURITY_GROUP, SECURITY_GROUP_RULE, SUBNET } from './network-shapes';
import { FILTERS as NETWORK_FILTERS } from './networks.service';
import { FILTERS as PORT_FILTERS } from './ports.service';
import {
  groupCreateSchema,
  groupUpdateSchema,
  ruleCreateSchema,
  ruleUpdateSchema,
} from './security-groups/security-group.schemas';
import { FILTERS as RULE_FILTERS } from './security-groups/security-group-rules.service';
import { FILTERS as GROUP_FILTERS } from './security-groups/security-groups.service';
import { FILTERS as SUBNET_FILTERS } from './subnets.service';

/** What the OpenAPI document says of one Neutron resource's five routes. */
export interface NeutronResourceDoc {
  list: JsonSchema;
  one: JsonSchema;
  listParams: Record<string, object>;
  create: object;
  update: object;
}

const doc = (
  singular: string,
  plural: string,
  item: JsonSchema,
  listParams: Record<string, object>,
  create: object,
  update: object,
): NeutronResourceDoc => ({
  list: neutronList(plural, item),
  one: wrapped(singular, item),
  listParams,
  create,
  update,
});

export const NETWORKS_DOC = doc(
  'network',
  'networks',
  NETWORK,
  neutronListParams(NETWORK_FILTERS, { tagged: true }),
  networkCreateSchema,
  networkUpdateSchema,
);
export const SUBNETS_DOC = doc(
  'subnet',
  'subnets',
  SUBNET,
  neutronListParams(SUBNET_FILTERS, { tagged: true }),
  subnetCreateSchema,
  subnetUpdateSchema,
);
export const PORTS_DOC = doc(
  'port',
  'ports',
  PORT,
  neutronListParams(PORT_FILTERS, { custom: ['fixed_ips'], tagged: true }),
  portCreateSchema,
  portUpdateSchema,
);
export const SECURITY_GROUPS_DOC = doc(
  'security_group',
  'security_groups',
  SECURITY_GROUP,
  neutronListParams(GROUP_FILTERS, { tagged: true }),
  groupCreateSchema,
  groupUpdateSchema,
);
export const SECURITY_GROUP_RULES_DOC = doc(
  'security_group_rule',
  'security_group_rules',
  SECURITY_GROUP_RULE,
  neutronListParams(RULE_FILTERS, { tagged: false }),
  ruleCreateSchema,
  ruleUpdateSchema,
);
