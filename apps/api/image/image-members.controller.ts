import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { ImageMembersService } from './image-members.service';
import { memberView } from './image-views';
import { JsonSchemaBody, Returns } from '../common/openapi';
import { MEMBER, MEMBER_LIST } from './image-shapes';
import { obj } from '../common/openapi-shapes';
import { MEMBER_STATUSES } from '../../../entities';

// What memberOf and statusOf (image-members.service.ts) accept, for the OpenAPI document.
/** Glance v2 /images/{id}/members: sharing an image with other projects. */
@Controller('image/v2/images/:id/members')
export class ImageMembersController {
  constructor(private readonly members: ImageMembersService) {}

  @Returns(200, MEMBER_LIST)
  @Get()
  async list(@Caller() auth: AuthContext, @Param('id') id: string) {
    const members = await this.members.list(auth, id);
    return { members: members.map(memberView), schema: '/v2/schemas/members' };
  }

  /** Glance answers 200 here, not 201. */
  @Returns(200, MEMBER)
  @JsonSchemaBody(obj({ member: { type: 'string', minLength: 1, maxLength: 255 } }, ['member']))
  @Post()
  @HttpCode(200)
  async create(@Caller() auth: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    return memberView(await this.members.create(auth, id, body));
  }

  @Returns(200, MEMBER)
  @Get(':member')
  async show(@Caller() auth: AuthContext, @Param('id') id: string, @Param('member') member: string) {
    return memberView(await this.members.show(auth, id, member));
  }

  @Returns(200, MEMBER)
  @JsonSchemaBody(obj({ status: { type: 'string', enum: [...MEMBER_STATUSES] } }, ['status']))
  @Put(':member')
  async update(
    @Caller() auth: AuthContext,
    @Param('id') id: string,
    @Param('member') member: string,
    @Body() body: unknown,
  ) {
    return memberView(await this.members.update(auth, id, member, body));
  }

  @Returns(204)
  @Delete(':member')
  @HttpCode(204)
  async remove(@Caller() auth: AuthContext, @Param('id') id: string, @Param('member') member: string) {
    await this.members.remove(auth, id, member);
  }
}
