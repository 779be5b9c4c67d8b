import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  type Type,
} from '@nestjs/common';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { JsonSchemaBody, QueryParams as DocumentedQuery, Returns } from '../common/openapi';
import { type QueryParams } from './list-query';
import { type NeutronResourceDoc } from './resource-openapi';

/** What each of /v2.0/networks, /subnets and /ports does; its service says how. */
export interface NeutronResourceService {
  list(auth: AuthContext, query: QueryParams): Promise<unknown>;
  show(auth: AuthContext, id: string, query: QueryParams): Promise<unknown>;
  create(auth: AuthContext, body: unknown): Promise<unknown>;
  update(auth: AuthContext, id: string, body: unknown): Promise<unknown>;
  remove(auth: AuthContext, id: string): Promise<void>;
}

/**
 * The routes Neutron gives every core resource (list, show, create with 201, update with PUT,
 * delete with 204), bound to the resource's service: one controller shape, written once.
 */
export function neutronResourceController(
  collection: string,
  service: Type<NeutronResourceService>,
  doc: NeutronResourceDoc,
) {
  @Controller(`network/v2.0/${collection}`)
  class ResourceController {
    constructor(@Inject(service) readonly resources: NeutronResourceService) {}

    @Get()
    @DocumentedQuery(doc.listParams)
    @Returns(200, doc.list)
    list(@Caller() auth: AuthContext, @Query() query: QueryParams) {
      return this.resources.list(auth, query);
    }

    @Get(':id')
    @DocumentedQuery({ fields: { type: 'string' } })
    @Returns(200, doc.one)
    show(@Caller() auth: AuthContext, @Param('id') id: string, @Query() query: QueryParams) {
      return this.resources.show(auth, id, query);
    }

    @Post()
    @HttpCode(201)
    @JsonSchemaBody(doc.create)
    @Returns(201, doc.one)
    create(@Caller() auth: AuthContext, @Body() body: unknown) {
      return this.resources.create(auth, body);
    }

    @Put(':id')
    @JsonSchemaBody(doc.update)
    @Returns(200, doc.one)
    update(@Caller() auth: AuthContext, @Param('id') id: string, @Body() body: unknown) {
      return this.resources.update(auth, id, body);
    }

    @Delete(':id')
    @HttpCode(204)
    @Returns(204)
    remove(@Caller() auth: AuthContext, @Param('id') id: string) {
      return this.resources.remove(auth, id);
    }
  }
  // Distinct names for Nest's logs and errors: NetworksController, SubnetsController, PortsController.
  const name = `${collection[0].toUpperCase()}${collection.slice(1)}Controller`;
  return Object.defineProperty(ResourceController, 'name', { value: name });
}
