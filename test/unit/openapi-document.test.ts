import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../apps/api/app.module';
import { buildOpenApiDocument } from '../../apps/api/common/openapi';
import {
  completeDocument,
  type OpenApiDocument,
  NO_BODY,
  PUBLIC_ROUTE_EXTENSION,
  EXTRA_ERRORS,
} from '../../apps/api/common/openapi-document';
import { loadSettings } from '../../common/config';
import { createLogger } from '../../common/logger';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];
const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, method, op: item[method] })),
  );

describe('completeDocument', () => {
  const doc = (): OpenApiDocument => ({
    paths: {
      '/compute/v2.1/servers/{id}': {
        get: {
          parameters: [
            { name: 'id', in: 'path', required: true },
            { name: 'name', in: 'query', required: true },
          ],
          responses: { '200': { description: '' } },
        },
        delete: { responses: { '204': { description: NO_BODY } } },
      },
      '/network/v2.0/ports': { post: { requestBody: {}, responses: { '201': { description: '' } } } },
      '/identity/v3/auth/tokens': {
        post: {
          [PUBLIC_ROUTE_EXTENSION]: true,
          [EXTRA_ERRORS]: [401, 429],
          responses: { '201': { description: '' } },
        },
        head: { responses: { '200': { description: NO_BODY } } },
      },
      '/compute': { get: { [PUBLIC_ROUTE_EXTENSION]: true, responses: { '200': { description: '' } } } },
    },
  });

  it("answers each route's errors in its own service's body, 401 in Keystone's everywhere", () => {
    const done = completeDocument(doc());
    const server = done.paths['/compute/v2.1/servers/{id}'].get;
    expect(Object.keys(server.responses!)).toEqual(['200', '400', '401', '403', '404', '406', '503']);
    expect(server.responses!['404']).toEqual({ $ref: '#/components/responses/compute-404' });
    const schemaOf = (name: string) =>
      (done.components!.responses[name] as any).content['application/json'].schema.$ref;
    expect(schemaOf('compute-404')).toBe('#/components/schemas/NovaError');
    expect(schemaOf('compute-401')).toBe('#/components/schemas/KeystoneError');
    expect(schemaOf('network-409')).toBe('#/components/schemas/NeutronError');
    expect(schemaOf('identity-429')).toBe('#/components/schemas/KeystoneError');
    expect(Object.keys(done.paths['/network/v2.0/ports'].post.responses!)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '503',
    ]);
  });

  it('adds the microversion headers to compute v2.1 routes only, and makes query parameters optional', () => {
    const done = completeDocument(doc());
    const server = done.paths['/compute/v2.1/servers/{id}'].get;
    expect(server.parameters).toEqual([
      { name: 'id', in: 'path', required: true },
      { name: 'name', in: 'query', required: false },
      { $ref: '#/components/parameters/OpenStackApiVersion' },
      { $ref: '#/components/parameters/NovaApiVersion' },
    ]);
    expect(done.paths['/compute'].get.parameters).toBeUndefined();
  });

  it('lets public routes go without a token, and their errors say no 401 unless they give one', () => {
    const done = completeDocument(doc());
    const issue = done.paths['/identity/v3/auth/tokens'].post;
    expect(issue.security).toEqual([]);
    expect(Object.keys(issue.responses!)).toEqual(['201', '400', '401', '409', '413', '429', '503']);
    expect(issue[PUBLIC_ROUTE_EXTENSION]).toBeUndefined();
    expect(done.paths['/compute/v2.1/servers/{id}'].get.security).toBeUndefined();
  });

  it('describes an undescribed success as a JSON object, never a body-less one, and HEAD errors without a body', () => {
    const done = completeDocument(doc());
    expect(done.paths['/compute'].get.responses!['200'].content).toEqual({
      'application/json': { schema: { type: 'object' } },
    });
    expect(done.paths['/compute/v2.1/servers/{id}'].delete.responses!['204']).toEqual({
      description: NO_BODY,
    });
    expect(done.paths['/identity/v3/auth/tokens'].head.responses!['401']).toEqual({
      description: 'Error 401 (no body: HEAD)',
    });
  });
});

describe('the API’s OpenAPI document', () => {
  let app: INestApplication;
  let document: OpenApiDocument;

  beforeAll(async () => {
    // Preview mode: the controllers' metadata without any provider (no database, no Temporal).
    const settings = loadSettings({ ...process.env, DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused' });
    app = await NestFactory.create(AppModule.forRoot(settings, createLogger('api')), {
      preview: true,
      logger: false,
    });
    document = buildOpenApiDocument(app, 'http://127.0.0.1:8774');
  });
  afterAll(() => app.close());

  it('declares every route with a success status, and a schema for every JSON success body', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(190);
    const undescribed = all
      .filter(({ method, op }) =>
        Object.entries(op.responses!).some(
          ([status, response]) =>
            /^[23]/.test(status) &&
            method !== 'head' &&
            JSON.stringify((response as any).content?.['application/json']?.schema) === '{"type":"object"}',
        ),
      )
      .map(({ method, path }) => `${method} ${path}`);
    // Neutron's quota POST only ever answers 501.
    expect(undescribed).toEqual(['post /network/v2.0/quotas']);
    for (const { op } of all)
      expect(Object.keys(op.responses!).some((status) => /^[23]/.test(status))).toBe(true);
  });

  it('asks a token of every route but the version documents, /healthz, /metrics and token issue', () => {
    const open = operations(document)
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(open).toEqual(
      [
        'get /compute',
        'get /compute/v2',
        'get /compute/v2.1',
        'get /healthz',
        'get /identity',
        'get /identity/v3',
        'get /image',
        'get /image/versions',
        'get /metrics',
        'get /network',
        'post /identity/v3/auth/tokens',
      ].sort(),
    );
    expect(document.security).toEqual([{ keystone: [] }]);
  });

  it('declares the query parameters lists read, with their bounds', () => {
    const query = (path: string) =>
      Object.fromEntries(
        (document.paths[path].get.parameters ?? [])
          .filter((parameter: any) => parameter.in === 'query')
          .map((parameter: any) => [parameter.name, parameter.schema]),
      );
    expect(query('/compute/v2.1/servers/detail')).toMatchObject({
      name: { type: 'string' },
      'changes-since': { type: 'string' },
      limit: { type: 'integer', minimum: 0 },
    });
    expect(query('/compute/v2.1/flavors')).toMatchObject({ minRam: { type: 'integer', minimum: 0 } });
    expect(query('/image/v2/images')).toMatchObject({
      size_min: { type: 'integer' },
      sort_dir: { enum: ['asc', 'desc'] },
    });
    expect(query('/network/v2.0/ports')).toMatchObject({
      fixed_ips: { type: 'string' },
      revision_number: { type: 'integer' },
      'tags-any': { type: 'string' },
    });
    expect(query('/identity/v3/users')).toMatchObject({ enabled: { type: 'string' } });
    // Security group rules have no tags, so no tag filters either (they are unknown attributes).
    expect(Object.keys(query('/network/v2.0/security-group-rules'))).not.toContain('tags');
    expect(Object.keys(query('/network/v2.0/security-groups'))).toContain('tags');
  });

  it('gives every compute v2.1 route both microversion headers', () => {
    for (const { path, op } of operations(document).filter(({ path }) => path.startsWith('/compute/v2.1'))) {
      expect({
        path,
        refs: (op.parameters ?? []).map((parameter: any) => parameter.$ref).filter(Boolean),
      }).toEqual({
        path,
        refs: ['#/components/parameters/OpenStackApiVersion', '#/components/parameters/NovaApiVersion'],
      });
    }
  });
});
