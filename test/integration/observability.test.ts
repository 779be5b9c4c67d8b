import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { ADMIN, ApiClient } from '../support/api-client';
import { bootDefaults, computeServices, createServer, waitForServer } from '../support/servers';
import { freePort } from '../../scripts/net';
import { TestStack, waitFor } from '../support/stack';

/** One sample of a Prometheus text page: the value of `name` whose labels include all of `labels`. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) =>
      (match[3] ?? '').includes(`${key}="${value}"`),
    );
    if (has) return Number(match[4]);
  }
  return undefined;
}

/** The JSON lines of a process's log (its stdout). */
const logLines = (stack: TestStack, name: string): any[] =>
  readFileSync(join(stack.workDir, `${name}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

/** Fewer than the workflows that stay alive here: one `host-<name>` a host, the hosts' reports. */
const CACHED_WORKFLOWS = 2;

/**
 * What an operator's monitoring reads: Prometheus metrics from the API and from every worker
 * (the Temporal SDK's own beside Novaflow's), and JSON logs that carry the request id and the
 * workflow id.
 */
describe('observability', () => {
  let stack: TestStack;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['ob-1', 'ob-2'],
      metrics: true,
      // The cache has to evict, and every operation still ends.
      config: `[conductor]\nmax_cached_workflows = ${CACHED_WORKFLOWS}\n`,
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 2);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const scrape = async (url: string) => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  const workerMetrics = (name: string) => scrape(`http://${stack.metricsAddresses.get(name)}/metrics`);

  it('counts requests, operations, hosts and instances, and times the scheduler, where Prometheus scrapes', async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'watched', imageRef: imageId });
    expect(created.status).toBe(202);
    const id: string = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');

    const api = await scrape(`${stack.apiUrl}/metrics`);
    expect(
      sample(api, 'novaflow_api_requests_total', {
        method: 'POST',
        route: '/compute/v2.1/servers',
        status: '202',
      }),
    ).toBe(1);
    expect(sample(api, 'novaflow_api_operations_launched_total', { operation: 'create' })).toBe(1);
    expect(sample(api, 'novaflow_compute_hosts', { state: 'up' })).toBe(2);
    expect(sample(api, 'novaflow_compute_hosts', { state: 'down' })).toBe(0);
    expect(sample(api, 'novaflow_instances', { vm_state: 'active' })).toBe(1);
    expect(
      sample(api, 'novaflow_api_request_duration_seconds_count', { route: '/compute/v2.1/servers/:id' }),
    ).toBeGreaterThan(0);

    // The conductor: the operation's end, the scheduler's latency, the SDK's own workflow metrics.
    let conductor = '';
    await waitFor(
      async () => {
        conductor = await workerMetrics('conductor');
        return sample(conductor, 'novaflow_operations_total', { operation: 'create', outcome: 'done' }) === 1;
      },
      15_000,
      'the conductor to count the boot',
    );
    expect(
      sample(conductor, 'novaflow_scheduler_latency_count', { operation: 'create', result: 'placed' }),
    ).toBe(1);
    expect(sample(conductor, 'temporal_workflow_completed', { workflow_type: 'bootWorkflow' })).toBe(1);

    // The host that spawned it: the SDK's activity metrics, on its own endpoint.
    const host = (await admin.get(`/compute/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host'];
    const compute = await workerMetrics(host);
    expect(sample(compute, 'temporal_activity_execution_latency_count', { activity_type: 'build' })).toBe(1);
  });

  it("shows the conductor's workflow cache held to [conductor] max_cached_workflows, evicting the rest", async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'cached', imageRef: imageId });
    expect((await waitForServer(admin, created.body.server.id)).status).toBe('ACTIVE');
    const conductor = await workerMetrics('conductor');
    expect(sample(conductor, 'temporal_sticky_cache_size')).toBeLessThanOrEqual(CACHED_WORKFLOWS);
    expect(sample(conductor, 'temporal_sticky_cache_total_forced_eviction')).toBeGreaterThan(0);
  });

  it('logs JSON lines with the request id in the API and the workflow id in the workers', async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'logged', imageRef: imageId });
    const requestId = created.headers.get('x-openstack-request-id')!;
    const id: string = created.body.server.id;
    await waitForServer(admin, id);

    const answered = logLines(stack, 'api').filter((line) => line.request_id === requestId);
    expect(answered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'request answered',
          method: 'POST',
          path: '/compute/v2.1/servers',
          status: 202,
        }),
      ]),
    );
    const host = (await admin.get(`/compute/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host'];
    await waitFor(
      async () =>
        logLines(stack, host).some(
          (line) => line.workflow_id === `create-${id}-${requestId}` && line.activity === 'build',
        ),
      10_000,
      `${host} to log the build with its workflow id`,
    );
  });
});

/** An OTLP/HTTP trace receiver, as a collector would be: it keeps every span it is sent. */
class SpanReceiver {
  readonly spans: { name: string; traceId: string; service: string }[] = [];
  private readonly server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value
          ?.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? [])
          for (const span of scope.spans ?? [])
            this.spans.push({ name: span.name, traceId: span.traceId, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    const port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('tracing', () => {
  let stack: TestStack;
  let admin: ApiClient;
  const receiver = new SpanReceiver();

  beforeAll(async () => {
    const endpoint = await receiver.listen();
    stack = await TestStack.start({ computeHosts: ['tr-1'], env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 1);
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.close();
  });

  it('exports one trace per operation, from the API through the workflow to the host, when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'traced', imageRef: imageId });
    const id: string = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');

    const spanOf = (name: string) => receiver.spans.find((span) => span.name === name);
    await waitFor(
      async () =>
        ['StartWorkflow:bootWorkflow', 'RunWorkflow:bootWorkflow', 'RunActivity:build'].every(spanOf),
      20_000,
      'the boot spans to arrive',
    );
    const start = spanOf('StartWorkflow:bootWorkflow')!;
    expect(start.service).toBe('novaflow-api');
    expect(spanOf('RunWorkflow:bootWorkflow')).toMatchObject({
      service: 'novaflow-conductor',
      traceId: start.traceId,
    });
    expect(spanOf('RunActivity:build')).toMatchObject({
      service: 'novaflow-compute',
      traceId: start.traceId,
    });
  });
});
