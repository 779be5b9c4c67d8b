import { type JsonSchema, int, obj, str } from './openapi-shapes';

/**
 * What the controllers' decorators cannot say route by route, added to the generated OpenAPI
 * document in one pass: which service's error body each route answers in and which error statuses
 * the layers every route passes through can give, the compute microversion headers, that public
 * routes need no token, and that no query parameter is required.
 */

/** Extension on an operation: the route is @Public() (no X-Auth-Token). */
export const PUBLIC_ROUTE_EXTENSION = 'x-novaflow-public';
/** The description of a success that has no body (Returns without a schema). */
export const NO_BODY = 'No body.';
/** Extension on an operation: error statuses of its own (ErrorStatuses in openapi.ts). */
export const EXTRA_ERRORS = 'x-novaflow-errors';

interface Operation {
  parameters?: Record<string, unknown>[];
  requestBody?: unknown;
  responses?: Record<string, Record<string, unknown>>;
  security?: unknown[];
  [key: string]: unknown;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];

/** The error bodies, as apps/api/common/error-body.ts shapes them. */
export const ERROR_SCHEMAS: Record<string, JsonSchema> = {
  // Nova's (and this API's Glance's): {"itemNotFound": {"code": 404, "message": "..."}}.
  NovaError: {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: obj({ code: int, message: str }, ['code', 'message']),
  },
  // Keystone's, and keystonemiddleware's 401 on every service.
  KeystoneError: obj({ error: obj({ code: int, title: str, message: str }, ['code', 'title', 'message']) }, [
    'error',
  ]),
  NeutronError: obj(
    { NeutronError: obj({ type: str, message: str, detail: str }, ['type', 'message', 'detail']) },
    ['NeutronError'],
  ),
};

/** The service that owns a path, by its prefix; the error body is that service's. */
export function serviceOf(path: string): 'identity' | 'compute' | 'image' | 'network' | 'volume' | 'other' {
  const match = /^\/(identity|compute|image|network|volume)(\/|$)/.exec(path);
  return (match?.[1] as ReturnType<typeof serviceOf>) ?? 'other';
}

function errorSchemaOf(service: ReturnType<typeof serviceOf>, status: number): string {
  if (service === 'identity' || status === 401) return 'KeystoneError';
  return service === 'network' ? 'NeutronError' : 'NovaError';
}

/** Nova's two microversion headers; any version outside 2.1–2.93 is documented as 406. */
export const MICROVERSION_PARAMETERS: Record<string, Record<string, unknown>> = {
  OpenStackApiVersion: {
    name: 'OpenStack-API-Version',
    in: 'header',
    required: false,
    description: 'The compute microversion, e.g. "compute 2.79" or "compute latest".',
    schema: { type: 'string', pattern: '^compute (2\\.(0|[1-9][0-9]?)|latest)$' },
  },
  NovaApiVersion: {
    name: 'X-OpenStack-Nova-API-Version',
    in: 'header',
    required: false,
    description: "The compute microversion in Nova's older header, e.g. 2.79.",
    schema: { type: 'string', pattern: '^(2\\.(0|[1-9][0-9]?)|latest)$' },
  },
};

/**
 * The error statuses a route can give: 400 and 503 anywhere (a NUL in the URL, a request or
 * statement cut by its time limit); 401, 403 and 404 where a token and policy apply; 409 for
 * writes; 413 where a body is read; 406 for a compute microversion out of range; and its own.
 */
export function errorStatuses(path: string, method: string, operation: Operation): number[] {
  const statuses = new Set([400, 503]);
  if (operation[PUBLIC_ROUTE_EXTENSION] !== true) [401, 403, 404].forEach((s) => statuses.add(s));
  if (!['get', 'head'].includes(method)) statuses.add(409);
  if (['post', 'put', 'patch'].includes(method)) statuses.add(413);
  if (path.startsWith('/compute/v2.1')) statuses.add(406);
  for (const status of (operation[EXTRA_ERRORS] as number[] | undefined) ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** The shared error response of a service and status, as `components.responses` holds it. */
const errorResponseName = (service: string, status: number) => `${service}-${status}`;

export function completeDocument(document: OpenApiDocument): OpenApiDocument {
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, ...ERROR_SCHEMAS };
  components.parameters = { ...components.parameters, ...MICROVERSION_PARAMETERS };
  const responses = (components.responses ??= {});
  for (const [path, item] of Object.entries(document.paths)) {
    const service = serviceOf(path);
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (operation[PUBLIC_ROUTE_EXTENSION] === true) operation.security = [];
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query') parameter.required = false;
      }
      if (path.startsWith('/compute/v2.1')) {
        operation.parameters = [
          ...(operation.parameters ?? []),
          ...Object.keys(MICROVERSION_PARAMETERS).map((name) => ({
            $ref: `#/components/parameters/${name}`,
          })),
        ];
      }
      const own = (operation.responses ??= {});
      for (const [status, response] of Object.entries(own)) {
        // A success the controller did not describe: some JSON object (HEAD and 204 have no body).
        if (method !== 'head' && status !== '204' && !response.content && response.description !== NO_BODY) {
          response.content = { 'application/json': { schema: { type: 'object' } } };
        }
      }
      for (const status of errorStatuses(path, method, operation)) {
        if (own[status]) continue;
        if (method === 'head') {
          own[status] = { description: `Error ${status} (no body: HEAD)` };
          continue;
        }
        const name = errorResponseName(service, status);
        responses[name] ??= {
          description: `Error ${status} in the ${service} service's error body`,
          content: {
            'application/json': {
              schema: { $ref: `#/components/schemas/${errorSchemaOf(service, status)}` },
            },
          },
        };
        own[status] = { $ref: `#/components/responses/${name}` };
      }
      delete operation[PUBLIC_ROUTE_EXTENSION];
      delete operation[EXTRA_ERRORS];
    }
  }
  return document;
}
