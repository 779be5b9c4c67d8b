import {
  type ClientHttp2Session,
  connect,
  constants,
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { readFileSync } from 'node:fs';
import { type TLSSocket } from 'node:tls';
import { type Certificate } from './certificates';

export interface TemporalGatewayOptions {
  /** The plain Temporal frontend behind the gateway (the tests' dev server). */
  upstream: string;
  /** The gateway's own certificate. */
  server: Certificate;
  /** Require client certificates issued by this CA (mTLS). */
  clientCa?: string;
  /** Require `authorization: Bearer <apiKey>` on every call, as Temporal Cloud does. */
  apiKey?: string;
}

const UNAUTHENTICATED = '16';

/** Request headers that are the session's, not the call's. */
const HOP_BY_HOP = new Set([':scheme', ':authority', 'connection', 'keep-alive', 'host']);

function forwarded(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * A Temporal frontend that requires TLS, and mTLS or an API key, as a production cluster or
 * Temporal Cloud does: a gRPC (HTTP/2) gateway that checks them and forwards each call to the dev
 * server, which cannot require either itself. It counts the calls it let through.
 */
export class TemporalGateway {
  forwardedCalls = 0;
  refusedCalls = 0;
  private upstream?: ClientHttp2Session;
  private readonly sessions = new Set<ServerHttp2Session>();

  private constructor(
    private readonly server: Http2SecureServer,
    private readonly options: TemporalGatewayOptions,
    readonly address: string,
  ) {}

  static async start(options: TemporalGatewayOptions): Promise<TemporalGateway> {
    const server = createSecureServer({
      cert: readFileSync(options.server.cert),
      key: readFileSync(options.server.key),
      ...(options.clientCa && {
        ca: readFileSync(options.clientCa),
        requestCert: true,
        rejectUnauthorized: true,
      }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const gateway = new TemporalGateway(server, options, `127.0.0.1:${port}`);
    server.on('stream', (stream, headers) => gateway.onCall(stream, headers));
    server.on('session', (session) => {
      gateway.sessions.add(session);
      session.on('close', () => gateway.sessions.delete(session));
    });
    return gateway;
  }

  private session(): ClientHttp2Session {
    if (!this.upstream || this.upstream.closed || this.upstream.destroyed) {
      this.upstream = connect(`http://${this.options.upstream}`);
      this.upstream.on('error', () => undefined);
    }
    return this.upstream;
  }

  private onCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const peer = (stream.session?.socket as TLSSocket | undefined)?.authorized;
    const authorized =
      (!this.options.clientCa || peer === true) &&
      (!this.options.apiKey || headers.authorization === `Bearer ${this.options.apiKey}`);
    if (!authorized) {
      this.refusedCalls++;
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': UNAUTHENTICATED,
          'grpc-message': 'the gateway requires a client certificate or API key it trusts',
        },
        { endStream: true },
      );
      return;
    }
    this.forwardedCalls++;
    const call = this.session().request(forwarded(headers));
    let trailers: OutgoingHttpHeaders = {};
    call.on('response', (response) => {
      // A trailers-only answer (a gRPC error) carries its status in these headers.
      const trailersOnly = 'grpc-status' in response;
      stream.respond(response, trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) call.pipe(stream);
    });
    call.on('trailers', (received) => (trailers = received));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(call);
    // A call either side gives up on (a worker's long poll at shutdown) ends on the other too.
    stream.on('close', () => call.close(constants.NGHTTP2_CANCEL));
    call.on('close', () => {
      if (call.rstCode !== constants.NGHTTP2_NO_ERROR && !stream.destroyed) stream.close(call.rstCode);
    });
    call.on('error', () => undefined);
    stream.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    this.upstream?.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Open sessions (workers that still poll) would hold close() open.
      for (const session of this.sessions) session.destroy();
    });
  }
}
