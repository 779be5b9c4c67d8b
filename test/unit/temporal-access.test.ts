import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/config';
import { readTemporalAccess } from '../../common/config/temporal-access';

describe("the Temporal connection's TLS and API key, from Temporal's own variables", () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-access-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ca = file('ca.pem', 'CA');
  const cert = file('client.pem', 'CERT');
  const key = file('client.key', 'KEY');

  it('is a plain connection when nothing is set', () => {
    expect(readTemporalAccess({})).toEqual({ tls: undefined, apiKey: undefined });
  });

  it('reads the CA, the client certificate pair and the server name for mTLS', () => {
    const access = readTemporalAccess({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.example',
    });
    expect(access.tls).toEqual({
      serverRootCACertificate: Buffer.from('CA'),
      serverNameOverride: 'frontend.example',
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
    });
  });

  it('turns TLS on with the system CAs for an API key, unless TEMPORAL_TLS=false', () => {
    expect(readTemporalAccess({ TEMPORAL_API_KEY: 'k' })).toEqual({ tls: {}, apiKey: 'k' });
    expect(readTemporalAccess({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toEqual({
      tls: undefined,
      apiKey: 'k',
    });
    expect(readTemporalAccess({ TEMPORAL_TLS: 'true' })).toEqual({ tls: {}, apiKey: undefined });
  });

  it('refuses half a certificate pair, an unreadable file, a bad flag and certificates with TLS off', () => {
    expect(() => readTemporalAccess({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toThrow(ConfigError);
    expect(() => readTemporalAccess({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read/,
    );
    expect(() => readTemporalAccess({ TEMPORAL_TLS: 'maybe' })).toThrow(ConfigError);
    expect(() => readTemporalAccess({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca })).toThrow(
      ConfigError,
    );
  });
});
