import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { DataSource, In } from 'typeorm';
import { SERVER_EVENT_NAMES, type ServerEvent } from '../../../../common/compute/server-event-names';
import { queueServerEvents } from '../../../../common/compute/server-events';
import { type WorkflowLaunch } from '../../../../common/compute/workflow-outbox';
import { Instance } from '../../../../entities';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { enforce } from '../../common/policy';
import { currentRequestId } from '../../common/request-context';
import { validateBody } from '../../common/validation';
import { WorkflowStarter } from '../../common/workflow-starter';
import { ApiVersion, MAX_VERSION, Microversion } from '../microversion';
import { arr, int, obj, str, wrapped } from '../../common/openapi-shapes';

/** Nova's schema for the microversion: each version adds event names (one schema per set, compiled once). */
const schemas = new Map<number, object>();
function eventsSchema(v: ApiVersion) {
  const names = SERVER_EVENT_NAMES.filter((event) => v.atLeast(event.since)).map((event) => event.name);
  let schema = schemas.get(names.length);
  if (!schema) schemas.set(names.length, (schema = schemaOf(names)));
  return schema;
}

function schemaOf(names: string[]) {
  return {
    type: 'object',
    properties: {
      events: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            server_uuid: { type: 'string', format: 'uuid' },
            name: { type: 'string', enum: names },
            status: { type: 'string', enum: ['failed', 'completed', 'in-progress'] },
            tag: { type: 'string', maxLength: 255 },
          },
          required: ['server_uuid', 'name'],
          additionalProperties: false,
        },
      },
    },
    required: ['events'],
    additionalProperties: false,
  };
}

/** Events Nova refuses without a tag (400 in the event's code). */
const TAG_REQUIRED = new Set(['volume-extended', 'power-update', 'accelerator-request-bound']);

interface EventBody {
  server_uuid: string;
  name: string;
  status?: string;
  tag?: string;
}

/** The body of both answers: each event with its own code and status. */
const EVENTS = wrapped(
  'events',
  arr(obj({ name: str, server_uuid: str, status: str, code: int, tag: str }, ['code'])),
);

/**
 * POST /os-server-external-events: how Neutron (and Cinder, Ironic) tell Nova of a change to a
 * server's resources. Admin only, as Nova's default policy (the caller is a service, not the
 * server's project). Each event answers in its own `code`: 200 accepted, 404 for a server that
 * does not exist, 422 for one on no host, 400 for a missing required tag; any failure makes the
 * response 207. Accepted events are queued for the server's host (one workflow per server, durable
 * through the outbox) and take no task: Nova processes them whatever the server is doing.
 */
@ApiTags('compute: servers')
@Controller('compute/v2.1/os-server-external-events')
export class ServerExternalEventsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workflows: WorkflowStarter,
  ) {}

  @Returns(200, EVENTS)
  @Returns(207, EVENTS)
  @Post()
  @HttpCode(200)
  @JsonSchemaBody(eventsSchema(ApiVersion.parse(MAX_VERSION)!))
  async create(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Body() raw: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    enforce(caller, 'os_compute_api:os-server-external-events:create', {});
    const { events } = validateBody<{ events: EventBody[] }>(eventsSchema(v), raw);
    const uuids = [...new Set(events.map((event) => event.server_uuid.toLowerCase()))];
    const instances = await this.dataSource
      .getRepository(Instance)
      .findBy({ uuid: In(uuids) })
      .then((rows) => new Map(rows.filter((row) => !row.deletedAt).map((row) => [row.uuid, row])));

    const accepted = new Map<string, ServerEvent[]>();
    const answered = events.map((event) => {
      const instance = instances.get(event.server_uuid.toLowerCase());
      const answer = (code: number) => ({
        ...event,
        status: code === 200 ? 'completed' : 'failed',
        code,
      });
      if (!instance) return answer(404);
      if (TAG_REQUIRED.has(event.name) && event.tag === undefined) return answer(400);
      if (!instance.host) return answer(422);
      const queued = accepted.get(instance.uuid) ?? [];
      queued.push({ name: event.name, tag: event.tag, status: event.status ?? 'completed' });
      accepted.set(instance.uuid, queued);
      return answer(200);
    });

    const requestId = currentRequestId();
    const launches: WorkflowLaunch[] = await this.dataSource.transaction(async (db) => {
      const queued: WorkflowLaunch[] = [];
      for (const [uuid, serverEvents] of accepted) {
        const instance = instances.get(uuid)!;
        queued.push(await queueServerEvents(db, instance, serverEvents, requestId));
      }
      return queued;
    });
    for (const launch of launches) await this.workflows.start(launch);
    if (answered.some((event) => event.code !== 200)) res.status(207);
    return { events: answered };
  }
}
