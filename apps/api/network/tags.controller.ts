import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { TagsService } from './tags.service';
import { JsonSchemaBody, Returns } from '../common/openapi';
import { arr, str, wrapped } from '../common/openapi-shapes';
import { tagsSchema } from './network.schemas';

@Controller('network/v2.0/:collection/:id/tags')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Returns(200, wrapped('tags', arr(str)))
  @Get()
  list(@Caller() auth: AuthContext, @Param('collection') collection: string, @Param('id') id: string) {
    return this.tags.list(auth, collection, id);
  }

  @Returns(204)
  @Get(':tag')
  @HttpCode(204)
  check(
    @Caller() auth: AuthContext,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Param('tag') tag: string,
  ) {
    return this.tags.check(auth, collection, id, tag);
  }

  @JsonSchemaBody(tagsSchema)
  @Returns(200, wrapped('tags', arr(str)))
  @Put()
  replace(
    @Caller() auth: AuthContext,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.tags.replace(auth, collection, id, body);
  }

  @Returns(201)
  @Put(':tag')
  @HttpCode(201)
  add(
    @Caller() auth: AuthContext,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Param('tag') tag: string,
  ) {
    return this.tags.add(auth, collection, id, tag);
  }

  @Returns(204)
  @Delete()
  @HttpCode(204)
  clear(@Caller() auth: AuthContext, @Param('collection') collection: string, @Param('id') id: string) {
    return this.tags.clear(auth, collection, id);
  }

  @Returns(204)
  @Delete(':tag')
  @HttpCode(204)
  remove(
    @Caller() auth: AuthContext,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Param('tag') tag: string,
  ) {
    return this.tags.remove(auth, collection, id, tag);
  }
}
