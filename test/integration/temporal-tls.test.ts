import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { readTemporalAccess, type TemporalAccess } from '../../common/config/temporal-access';
import { ADMIN, ApiClient } from '../support/api-client';
import { TestCertificateAuthority } from '../support/certificates';
import { bootDefaults, computeServices, createServer, waitForGone, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';
import { TemporalGateway } from '../support/temporal-gateway';

/** Boots a server through the whole stack and deletes it: every process reached Temporal. */
async function bootAndDelete(stack: TestStack): Promise<void> {
  await stack.waitHealthy();
  const admin = await ApiClient.login(stack.apiUrl, ADMIN);
  await computeServices(admin, 1);
  const { imageId } = await bootDefaults(admin);
  const created = await createServer(admin, { name: 'over-tls', imageRef: imageId });
  expect(created.status).toBe(202);
  expect((await waitForServer(admin, created.body.server.id)).status).toBe('ACTIVE');
  expect((await admin.delete(`/compute/v2.1/servers/${created.body.server.id}`)).status).toBe(204);
  await waitForGone(admin, created.body.server.id);
}

/** A client connection, as Novaflow's processes make it, that gives up after 3 s rather than 10. */
const connectWithin = (address: string, access: TemporalAccess) =>
  Connection.connect({ address, ...access, connectTimeout: 3000 });

/**
 * Novaflow against a Temporal frontend that requires mTLS, or TLS and an API key, configured by
 * Temporal's own client variables (TEMPORAL_TLS_*, TEMPORAL_API_KEY) in every process.
 */
describe('Temporal over TLS', () => {
  const dir = mkdtempSync(join(process.env.NOVAFLOW_TEST_SCRATCH ?? tmpdir(), 'temporal-tls-'));
  const ca = new TestCertificateAuthority(dir, 'cluster');
  const serverCert = ca.issue('frontend', 'server');
  const upstream = process.env.TEMPORAL_ADDRESS!;

  describe('with mTLS', () => {
    let gateway: TemporalGateway;
    let stack: TestStack | undefined;
    const client = ca.issue('novaflow', 'client');

    beforeAll(async () => {
      gateway = await TemporalGateway.start({ upstream, server: serverCert, clientCa: ca.cert });
    });

    afterAll(async () => {
      await stack?.stop();
      await gateway?.stop();
    });

    it('boots and deletes a server when every process presents its client certificate', async () => {
      stack = await TestStack.start({
        computeHosts: ['tls-1'],
        env: {
          TEMPORAL_ADDRESS: gateway.address,
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
          TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
          TEMPORAL_TLS_CLIENT_KEY_PATH: client.key,
        },
      });
      await bootAndDelete(stack);
      expect(gateway.forwardedCalls).toBeGreaterThan(0);
      expect(gateway.refusedCalls).toBe(0);
    });

    it('refuses a client without a certificate, and one whose certificate another CA issued', async () => {
      const noCertificate = readTemporalAccess({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert });
      // Connecting makes a first call, which the TLS handshake's refusal fails.
      await expect(connectWithin(gateway.address, noCertificate)).rejects.toThrow();

      const stranger = new TestCertificateAuthority(dir, 'stranger').issue('intruder', 'client');
      const foreign = readTemporalAccess({
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
        TEMPORAL_TLS_CLIENT_CERT_PATH: stranger.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: stranger.key,
      });
      await expect(connectWithin(gateway.address, foreign)).rejects.toThrow();
    });

    it('does not connect in plain text to a frontend that speaks TLS', async () => {
      await expect(connectWithin(gateway.address, readTemporalAccess({}))).rejects.toThrow();
    });
  });

  describe('with an API key', () => {
    let gateway: TemporalGateway;
    let stack: TestStack | undefined;
    const apiKey = 'novaflow-test-api-key';

    beforeAll(async () => {
      gateway = await TemporalGateway.start({ upstream, server: serverCert, apiKey });
    });

    afterAll(async () => {
      await stack?.stop();
      await gateway?.stop();
    });

    it('boots and deletes a server when every process sends the key', async () => {
      stack = await TestStack.start({
        computeHosts: ['tls-key-1'],
        env: {
          TEMPORAL_ADDRESS: gateway.address,
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
          TEMPORAL_API_KEY: apiKey,
        },
      });
      await bootAndDelete(stack);
      expect(gateway.forwardedCalls).toBeGreaterThan(0);
      expect(gateway.refusedCalls).toBe(0);
    });

    it('answers UNAUTHENTICATED to a wrong key', async () => {
      const wrong = readTemporalAccess({
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
        TEMPORAL_API_KEY: 'not-the-key',
      });
      // The client's first call, at connect, is refused.
      const refused = await Connection.connect({ address: gateway.address, ...wrong }).catch(
        (error) => error,
      );
      expect(refused).toBeInstanceOf(Error);
      expect(refused.cause).toMatchObject({ code: 16 /* UNAUTHENTICATED */ });
      expect(gateway.refusedCalls).toBeGreaterThan(0);
    });
  });
});
