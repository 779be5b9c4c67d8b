import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSchemathesis, SCHEMATHESIS_VERSION } from '../../scripts/schemathesis';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

/** Fixed, so a failure reproduces with the same command; the command is printed with the output. */
const SEED = 15008;
/**
 * Generated cases per operation in the fuzzing phase, after the coverage phase's boundary and
 * negative values: about 200 operations, twice (member, admin), within a few minutes.
 */
const MAX_EXAMPLES = 8;
/** Left out of the run, each for its reason. */
const EXCLUDED = [
  // One forcing the stack's only host down makes every boot after it NoValidHost and /healthz its
  // documented 503 (the inputs of service updates are tested in conformance-services-hypervisors).
  'PUT /compute/v2.1/os-services/{id}',
  // Answers 503 by design while a part is down (a host whose report is late on a machine the
  // fuzzer keeps busy); it takes no input, and host-reports.test.ts tests its answers.
  'GET /healthz',
  // Neutron's own 501 (its QuotaSetsController.create is HTTPNotImplemented), also takes nothing.
  'POST /network/v2.0/quotas',
];

/**
 * schemathesis's configuration: path parameters drawn half the time from the ids of what the
 * stack holds (else generated), so that routes get past their 404 to their logic; not for
 * DELETE, so that both runs see the same server, image and network. (An [[operations]] block's
 * expected statuses apply to every operation, not to the one it names: the routes whose 5xx is
 * their documented answer are left out of the run instead, see EXCLUDED.)
 */
function fuzzConfig(known: Record<string, string[]>): string {
  const toml = (value: unknown) => JSON.stringify(value);
  const dictionaries = Object.entries(known).map(
    ([name, values]) => `[dictionaries.${name}]\nvalues = ${toml(values)}\n`,
  );
  const bindings = Object.keys(known).map(
    (name) => `"path.${name}" = { dictionary = ${toml(name)}, probability = 0.5 }`,
  );
  return [
    // No state kept between runs (schemathesis would replay earlier crashes first): the seed alone decides.
    '[cache]\nenabled = false\n',
    ...dictionaries,
    `[[operations]]\nexclude-method = "DELETE"\n[operations.parameters]\n${bindings.join('\n')}\n`,
  ].join('\n');
}

/**
 * Runs schemathesis against the stack's /openapi.json as one caller: every operation, generated
 * from the document, checked for no 5xx, a documented status, a body that meets its own schema
 * (no time bound: tests never fail on time). Resolves to the exit code and the report.
 */
async function fuzz(
  stack: TestStack,
  token: string,
  who: string,
  known: Record<string, string[]>,
): Promise<{ code: number; output: string }> {
  const st = resolveSchemathesis();
  const reportDir = join(stack.workDir, `schemathesis-${who}`);
  mkdirSync(reportDir, { recursive: true });
  const configFile = join(reportDir, 'schemathesis.toml');
  writeFileSync(configFile, fuzzConfig(known));
  const args = [
    `--config-file=${configFile}`,
    'run',
    `${stack.apiUrl}/openapi.json`,
    `--url=${stack.apiUrl}`,
    `--header=X-Auth-Token: ${token}`,
    '--checks=not_a_server_error,status_code_conformance,response_schema_conformance',
    '--phases=coverage,fuzzing',
    `--max-examples=${MAX_EXAMPLES}`,
    `--seed=${SEED}`,
    '--workers=1',
    '--continue-on-failure',
    '--no-color',
    `--report-dir=${reportDir}`,
    ...EXCLUDED.map((name) => `--exclude-name=${name}`),
  ];
  const child = spawn(st, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = `$ st ${args.map((arg) => (arg.startsWith('--header') ? '--header=X-Auth-Token: …' : arg)).join(' ')}\n`;
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
  writeFileSync(join(reportDir, 'output.txt'), output);
  return { code, output };
}

/**
 * The OpenAPI document as a contract, fuzzed with schemathesis as a member of demo and as the
 * admin against a real stack (one fake compute host, a server of the caller's booted first so
 * that lists and the server's routes have something to show): no route answers 5xx, none answers a status its operation does not declare, none answers
 * a body outside its declared schema, none takes longer than the bound.
 */
describe(`OpenAPI fuzzing (schemathesis ${SCHEMATHESIS_VERSION})`, () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  /** Ids of what the stack holds, by the path parameter names that take them (servers apart). */
  const known: Record<string, string[]> = {};
  let imageId: string;
  let networkId: string;

  /**
   * A server of the caller's own, ACTIVE, with a port: each run boots one, as its actions may
   * well delete it (forceDelete deletes a server in any state, as in Nova).
   */
  const bootFor = async (caller: ApiClient) => {
    const booted = await createServer(caller, {
      name: 'fuzz-seen',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
    });
    expect(booted.status).toBe(202);
    const server = booted.body.server.id as string;
    expect((await waitForServer(caller, server)).status).toBe('ACTIVE');
    const [port] = (await caller.get(`/network/v2.0/ports?device_id=${server}`)).body.ports;
    return { server, port: port.id as string, subnet: port.fixed_ips[0].subnet_id as string };
  };

  beforeAll(async () => {
    resolveSchemathesis();
    stack = await TestStack.start({ computeHosts: ['fuzz-1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    ({ imageId, networkId } = await bootDefaults(demo));
    const [group] = (await demo.get('/network/v2.0/security-groups?name=default')).body.security_groups;
    const projects = await stack.query<{ id: string }>('SELECT id FROM projects');
    const users = await stack.query<{ id: string }>('SELECT id FROM users');
    const roles = await stack.query<{ id: string }>('SELECT id FROM roles');
    const [flavor] = (await demo.get('/compute/v2.1/flavors')).body.flavors;
    Object.assign(known, {
      id: [imageId, networkId, group.id, flavor.id],
      flavorId: [flavor.id],
      projectId: projects.map((project) => project.id),
      targetId: projects.map((project) => project.id),
      userId: users.map((user) => user.id),
      roleId: roles.map((role) => role.id),
      kind: ['projects', 'domains'],
      collection: ['networks', 'subnets', 'ports', 'security-groups'],
      className: ['default'],
      label: ['private'],
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  for (const who of ['member', 'admin'] as const) {
    it(`finds no 5xx, undocumented status or off-schema body as the ${who}`, async () => {
      const caller = who === 'admin' ? admin : demo;
      const { server, port, subnet } = await bootFor(caller);
      const { code, output } = await fuzz(stack, caller.token!, who, {
        ...known,
        id: [server, port, subnet, ...known.id],
        serverId: [server],
        portId: [port],
      });
      // On failure its failures first (each with a curl command that reproduces it), then the
      // report's end; the whole report is in the stack's folder (schemathesis-<who>/output.txt).
      const failures = /={3,} FAILURES ={3,}\n([\s\S]*?)\n={3,} /.exec(output)?.[1] ?? '';
      expect({
        who,
        code,
        failures: failures.slice(0, 10_000),
        tail: code === 0 ? '' : output.slice(-5_000),
      }).toEqual({
        who,
        code: 0,
        failures: '',
        tail: '',
      });
      // Every operation of the document was run but those left out, none skipped or errored.
      const [, selected, total] = (/Selected: (\d+)\/(\d+)/.exec(output) ?? []).map(Number);
      const tested = Number(/Tested: (\d+)/.exec(output)?.[1]);
      expect(total).toBeGreaterThan(190);
      expect(selected).toBe(total - EXCLUDED.length);
      expect(tested).toBe(selected);
    }, 600_000);
  }
});
