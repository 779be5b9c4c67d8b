import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ErrorStatuses, JsonSchemaBody, QueryParams, Returns } from '../../common/openapi';
import { type Settings } from '../../../../common/config';
import { ApiError } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { boolFromString } from '../bool-param';
import { nextPageLinks } from '../links';
import { type ApiVersion, Microversion } from '../microversion';
import { integerParam, PAGINATION_PARAMS, paginationParams } from '../pagination';
import { type FlavorCreateBody, flavorCreateSchema, flavorUpdateSchema } from './flavor.schemas';
import { FlavorView } from './flavor.view';
import { FlavorsService } from './flavors.service';
import { collection, FLAVOR, wrapped } from '../compute-shapes';
import { str } from '../../common/openapi-shapes';

function isPublicFilter(value: unknown): boolean | null | undefined {
  if (value === undefined) return true;
  if (String(value).toLowerCase() === 'none') return null;
  // Nova's bool_from_string(strict=True): t/f, y/n, on/off, 1/0 and the words.
  const flag = boolFromString(String(value));
  if (flag === undefined) throw new ApiError('badRequest', `Invalid is_public filter [${String(value)}]`);
  return flag;
}

/** The query parameters page() reads (minRam and minDisk as integerParam does). */
const FLAVOR_LIST_PARAMS = {
  ...PAGINATION_PARAMS,
  is_public: str,
  minRam: { type: 'integer', minimum: 0 },
  minDisk: { type: 'integer', minimum: 0 },
  sort_key: str,
  sort_dir: str,
};

@ApiTags('compute: flavors')
@Controller('compute/v2.1/flavors')
export class FlavorsController {
  private readonly view: FlavorView;

  constructor(
    private readonly flavors: FlavorsService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.view = new FlavorView(settings.env.publicUrl);
  }

  private async page(caller: AuthContext, query: Record<string, unknown>) {
    enforce(caller, 'os_compute_api:os-flavor-manage:index');
    const { limit, marker } = paginationParams(query, this.settings.config.api.max_limit);
    const sortDir = String(query.sort_dir ?? 'asc').toLowerCase();
    if (sortDir !== 'asc' && sortDir !== 'desc')
      throw new ApiError('badRequest', `Invalid sort_dir: ${sortDir}`);
    const flavors = await this.flavors.list(caller, {
      isPublic: isPublicFilter(query.is_public),
      minRam: integerParam(query, 'minRam'),
      minDisk: integerParam(query, 'minDisk'),
      sortKey: String(query.sort_key ?? 'flavorid'),
      sortDir: sortDir === 'asc' ? 'ASC' : 'DESC',
      limit,
      marker,
    });
    const links = nextPageLinks(
      this.settings.env.publicUrl,
      'flavors',
      query,
      flavors,
      limit,
      flavors.at(-1)?.flavorid,
    );
    return { flavors, links };
  }

  @QueryParams(FLAVOR_LIST_PARAMS)
  @Returns(200, collection('flavors', FLAVOR))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Query() query: Record<string, unknown>,
    @Microversion() v: ApiVersion,
  ) {
    const { flavors, links } = await this.page(caller, query);
    return {
      flavors: flavors.map((flavor) => this.view.summary(flavor, v)),
      ...(links && { flavors_links: links }),
    };
  }

  @QueryParams(FLAVOR_LIST_PARAMS)
  @Returns(200, collection('flavors', FLAVOR))
  @Get('detail')
  async detail(
    @Caller() caller: AuthContext,
    @Query() query: Record<string, unknown>,
    @Microversion() v: ApiVersion,
  ) {
    const { flavors, links } = await this.page(caller, query);
    return {
      flavors: flavors.map((flavor) => this.view.detail(flavor, v)),
      ...(links && { flavors_links: links }),
    };
  }

  @Returns(200, wrapped('flavor', FLAVOR))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-flavor-manage:index');
    return { flavor: this.view.detail(await this.flavors.find(caller, id), v) };
  }

  @Returns(200, wrapped('flavor', FLAVOR))
  @Post()
  @HttpCode(200)
  @JsonSchemaBody(flavorCreateSchema)
  async create(@Caller() caller: AuthContext, @Body() body: unknown, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-flavor-manage:create');
    const { flavor } = validateBody<FlavorCreateBody>(flavorCreateSchema, body);
    if (flavor.description !== undefined && !v.atLeast('2.55')) {
      throw new ApiError(
        'badRequest',
        "Invalid input for field/attribute flavor. Value: description. Additional properties are not allowed ('description' was unexpected)",
      );
    }
    const id = await this.flavors.create(flavor);
    return { flavor: this.view.detail(await this.flavors.find(caller, id), v) };
  }

  @Returns(200, wrapped('flavor', FLAVOR))
  @ErrorStatuses(405)
  @Put(':id')
  @JsonSchemaBody(flavorUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    if (!v.atLeast('2.55'))
      throw new ApiError('badMethod', 'The method specified is not allowed for this resource.');
    enforce(caller, 'os_compute_api:os-flavor-manage:update');
    const { flavor } = validateBody<{ flavor: { description: string | null } }>(flavorUpdateSchema, body);
    await this.flavors.updateDescription(caller, id, flavor.description);
    return { flavor: this.view.detail(await this.flavors.find(caller, id), v) };
  }

  @Returns(202)
  @Delete(':id')
  @HttpCode(202)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string): Promise<void> {
    enforce(caller, 'os_compute_api:os-flavor-manage:delete');
    await this.flavors.delete(caller, id);
  }
}
