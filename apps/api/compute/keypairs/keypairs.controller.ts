import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { DataSource, MoreThan, QueryFailedError } from 'typeorm';
import { projectLimits } from '../../../../common/compute/quotas';
import { type Settings } from '../../../../common/config';
import { KeyPair } from '../../../../entities';
import { ApiError, badRequest, forbidden, notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, QueryParams, Returns } from '../../common/openapi';
import { enforce, type PolicyAction } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { nextPageLinks } from '../links';
import { type ApiVersion, Microversion } from '../microversion';
import { PAGINATION_PARAMS, paginationParams } from '../pagination';
import { fingerprintOf, generateSshKeyPair } from './ssh-keys';
import { generateX509KeyPair, x509FingerprintOf } from './x509-keys';
import { isoMicros } from '../timestamps';
import { arr, obj, str } from '../../common/openapi-shapes';
import { KEYPAIR, wrapped } from '../compute-shapes';

const keypairCreateSchema = {
  type: 'object',
  required: ['keypair'],
  additionalProperties: false,
  properties: {
    keypair: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        public_key: { type: 'string' },
        type: { type: 'string', enum: ['ssh', 'x509'] },
        user_id: { type: 'string' },
      },
    },
  },
};

/** A repeated query parameter counts once, as its last value (Nova's multi_params). */
const single = (value: unknown) =>
  value === undefined ? undefined : String(Array.isArray(value) ? value.at(-1) : value);

interface KeypairBody {
  keypair: { name: string; public_key?: string; type?: string; user_id?: string };
}

/** os-keypairs: a user's SSH public keys, by name; generated here only before microversion 2.92. */
@ApiTags('compute: key pairs')
@Controller('compute/v2.1/os-keypairs')
export class KeypairsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * Whose key pairs: the caller's, or (from 2.10) the user_id asked for, which only an admin may
   * name for another user (Nova's "admin or user_id:%(user_id)s": 403 otherwise, never another
   * user's key pairs).
   */
  private owner(
    caller: AuthContext,
    action: PolicyAction,
    userId: string | undefined,
    v: ApiVersion,
  ): string {
    const owner = userId !== undefined && v.atLeast('2.10') ? userId : caller.userId;
    enforce(caller, action, { userId: owner });
    return owner;
  }

  private summary(keypair: KeyPair, v: ApiVersion) {
    return {
      name: keypair.name,
      public_key: keypair.publicKey,
      fingerprint: keypair.fingerprint,
      ...(v.atLeast('2.2') && { type: keypair.type }),
    };
  }

  @QueryParams({ ...PAGINATION_PARAMS, user_id: str })
  @Returns(
    200,
    obj({ keypairs: arr(wrapped('keypair', KEYPAIR)), keypairs_links: arr(obj({ rel: str, href: str })) }, [
      'keypairs',
    ]),
  )
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query() query: Record<string, unknown>,
  ) {
    const userId = this.owner(caller, 'os_compute_api:os-keypairs:index', single(query.user_id), v);
    // Paging by name arrived in 2.35; before it every key pair comes back at once.
    const paged = v.atLeast('2.35');
    const { limit, marker } = paged
      ? paginationParams(query, this.settings.config.api.max_limit)
      : { limit: undefined, marker: undefined };
    const keypairs = await this.page(userId, limit, marker);
    const links =
      paged &&
      nextPageLinks(
        this.settings.env.publicUrl,
        'os-keypairs',
        query,
        keypairs,
        limit,
        keypairs.at(-1)?.name,
      );
    return {
      keypairs: keypairs.map((keypair) => ({ keypair: this.summary(keypair, v) })),
      ...(links && { keypairs_links: links }),
    };
  }

  /** A user's key pairs by name, after the marker (which must be one of them, or Nova's 400). */
  private async page(userId: string, limit?: number, marker?: string): Promise<KeyPair[]> {
    const repository = this.dataSource.getRepository(KeyPair);
    if (marker !== undefined && !(await repository.existsBy({ userId, name: marker })))
      throw badRequest(`Marker ${marker} could not be found.`);
    if (limit === 0) return [];
    return repository.find({
      where: { userId, ...(marker !== undefined && { name: MoreThan(marker) }) },
      order: { name: 'ASC' },
      take: limit,
    });
  }

  @QueryParams({ user_id: str })
  @Returns(200, wrapped('keypair', KEYPAIR))
  @Get(':name')
  async show(
    @Caller() caller: AuthContext,
    @Param('name') name: string,
    @Microversion() v: ApiVersion,
    @Query('user_id') userId?: string,
  ) {
    const keypair = await this.find(this.owner(caller, 'os_compute_api:os-keypairs:show', userId, v), name);
    return {
      keypair: {
        ...this.summary(keypair, v),
        user_id: keypair.userId,
        id: keypair.id,
        created_at: isoMicros(keypair.createdAt),
        updated_at: null,
        deleted_at: null,
        deleted: false,
      },
    };
  }

  private async find(userId: string, name: string): Promise<KeyPair> {
    const keypair = await this.dataSource.getRepository(KeyPair).findOneBy({ userId, name });
    if (!keypair) throw notFound(`Keypair ${name} not found for user ${userId}`);
    return keypair;
  }

  @Returns(200, wrapped('keypair', KEYPAIR))
  @Returns(201, wrapped('keypair', KEYPAIR))
  @Post()
  @JsonSchemaBody(keypairCreateSchema)
  async create(
    @Caller() caller: AuthContext,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { keypair } = validateBody<KeypairBody>(keypairCreateSchema, body);
    const namePattern = v.atLeast('2.92') ? /^[a-zA-Z0-9 @._-]+$/ : /^[a-zA-Z0-9 _-]+$/;
    if (!namePattern.test(keypair.name))
      throw badRequest('Keypair data is invalid: Keypair name contains unsafe characters');
    // `type` arrived in 2.2 (create_v22); before it the schema has no such property.
    if (keypair.type !== undefined && !v.atLeast('2.2')) {
      throw badRequest(
        'Invalid input for field/attribute keypair. Value: ' +
          `{'name': '${keypair.name}', 'type': '${keypair.type}'}. ` +
          "Additional properties are not allowed ('type' was unexpected)",
      );
    }
    const type = keypair.type ?? 'ssh';
    const userId = this.owner(caller, 'os_compute_api:os-keypairs:create', keypair.user_id, v);

    let generated: { publicKey: string; privateKey: string; fingerprint: string } | undefined;
    let publicKey = keypair.public_key;
    if (publicKey === undefined) {
      if (v.atLeast('2.92')) {
        throw badRequest(
          "Invalid input for field/attribute keypair. Value: {'name': '" +
            keypair.name +
            "'}. 'public_key' is a required property",
        );
      }
      generated =
        type === 'x509' ? await generateX509KeyPair(userId) : generateSshKeyPair(`Generated-by-Nova`);
      publicKey = generated.publicKey;
    }
    const fingerprint = generated?.fingerprint ?? this.fingerprint(publicKey, type);

    const limit = (await projectLimits(this.dataSource.manager, this.settings.config, caller.projectId ?? ''))
      .key_pairs;
    const count = await this.dataSource.getRepository(KeyPair).countBy({ userId });
    if (limit >= 0 && count >= limit) throw forbidden('Quota exceeded, too many key pairs.');
    try {
      await this.dataSource
        .getRepository(KeyPair)
        .insert({ name: keypair.name, userId, fingerprint, publicKey, type });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ApiError('conflictingRequest', `Key pair '${keypair.name}' already exists.`);
      }
      throw error;
    }
    res.status(v.atLeast('2.2') ? 201 : 200);
    return {
      keypair: {
        name: keypair.name,
        public_key: publicKey,
        fingerprint,
        user_id: userId,
        ...(v.atLeast('2.2') && { type }),
        ...(generated && { private_key: generated.privateKey }),
      },
    };
  }

  /** Nova's _generate_fingerprint: MD5 of an SSH key, SHA-1 of an x509 certificate. */
  private fingerprint(publicKey: string, type: string): string {
    if (type === 'x509') {
      try {
        return x509FingerprintOf(publicKey);
      } catch (error) {
        throw badRequest(
          'Keypair data is invalid: failed to generate X509 fingerprint. ' +
            `Error message: ${(error as Error).message}`,
        );
      }
    }
    const fingerprint = fingerprintOf(publicKey);
    if (!fingerprint) throw badRequest('Keypair data is invalid: failed to generate fingerprint');
    return fingerprint;
  }

  @QueryParams({ user_id: str })
  @Returns(202)
  @Returns(204)
  @Delete(':name')
  @HttpCode(204)
  async remove(
    @Caller() caller: AuthContext,
    @Param('name') name: string,
    @Microversion() v: ApiVersion,
    @Res({ passthrough: true }) res: Response,
    @Query('user_id') userId?: string,
  ) {
    const keypair = await this.find(this.owner(caller, 'os_compute_api:os-keypairs:delete', userId, v), name);
    await this.dataSource.getRepository(KeyPair).delete({ id: keypair.id });
    if (!v.atLeast('2.2')) res.status(202);
  }
}
