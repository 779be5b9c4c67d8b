import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { TagsService } from './tags.service';

@Controller('network/v2.0/:collection/:id/tags')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Get()
  list(@Caller() auth: AuthContext, @Param('collection') collection: string, @Param('id') id: string) {
    return this.tags.list(auth, collection, id);
  }

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

  @Put()
  replace(
    @Caller() auth: AuthContext,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.tags.replace(auth, collection, id, body);
  }

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

  @Delete()
  @HttpCode(204)
  clear(@Caller() auth: AuthContext, @Param('collection') collection: string, @Param('id') id: string) {
    return this.tags.clear(auth, collection, id);
  }

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
