import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Settings } from '../../../../common/config';
import { ApiError, notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { extraSpecsCreateSchema, extraSpecUpdateSchema } from './flavor.schemas';
import { FlavorView } from './flavor.view';
import { FlavorsService } from './flavors.service';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { mapOf, str, wrapped } from '../../common/openapi-shapes';

@ApiTags('compute: flavors')
@Controller('compute/v2.1/flavors/:flavorId/os-extra_specs')
export class FlavorExtraSpecsController {
  private readonly view: FlavorView;

  constructor(
    private readonly flavors: FlavorsService,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.view = new FlavorView(settings.env.publicUrl);
  }

  @Returns(200, wrapped('extra_specs', mapOf(str)))
  @Get()
  async list(@Caller() caller: AuthContext, @Param('flavorId') flavorId: string) {
    enforce(caller, 'os_compute_api:os-flavor-extra-specs:index');
    return this.view.extraSpecs(await this.flavors.find(caller, flavorId));
  }

  /** Nova answers 200, not 201, for extra specs set by POST. */
  @JsonSchemaBody(extraSpecsCreateSchema)
  @Returns(200, wrapped('extra_specs', mapOf(str)))
  @Post()
  @HttpCode(200)
  async create(@Caller() caller: AuthContext, @Param('flavorId') flavorId: string, @Body() body: unknown) {
    enforce(caller, 'os_compute_api:os-flavor-extra-specs:create');
    const { extra_specs } = validateBody<{ extra_specs: Record<string, unknown> }>(
      extraSpecsCreateSchema,
      body,
    );
    await this.flavors.setExtraSpecs(caller, flavorId, extra_specs);
    return {
      extra_specs: Object.fromEntries(
        Object.entries(extra_specs).map(([key, value]) => [key, String(value)]),
      ),
    };
  }

  @Returns(200, mapOf(str))
  @Get(':key')
  async show(@Caller() caller: AuthContext, @Param('flavorId') flavorId: string, @Param('key') key: string) {
    enforce(caller, 'os_compute_api:os-flavor-extra-specs:show');
    const { extra_specs } = this.view.extraSpecs(await this.flavors.find(caller, flavorId));
    if (!Object.hasOwn(extra_specs, key))
      throw notFound(`Flavor ${flavorId} has no extra specs with key ${key}.`);
    return { [key]: extra_specs[key] };
  }

  @JsonSchemaBody(extraSpecUpdateSchema)
  @Returns(200, mapOf(str))
  @Put(':key')
  async update(
    @Caller() caller: AuthContext,
    @Param('flavorId') flavorId: string,
    @Param('key') key: string,
    @Body() body: unknown,
  ) {
    enforce(caller, 'os_compute_api:os-flavor-extra-specs:update');
    const spec = validateBody<Record<string, unknown>>(extraSpecUpdateSchema, body);
    if (!Object.hasOwn(spec, key)) throw new ApiError('badRequest', 'Request body and URI mismatch');
    await this.flavors.setExtraSpecs(caller, flavorId, spec);
    return { [key]: String(spec[key]) };
  }

  @Returns(200)
  @Delete(':key')
  async remove(
    @Caller() caller: AuthContext,
    @Param('flavorId') flavorId: string,
    @Param('key') key: string,
  ) {
    enforce(caller, 'os_compute_api:os-flavor-extra-specs:delete');
    await this.flavors.deleteExtraSpec(caller, flavorId, key);
  }
}
