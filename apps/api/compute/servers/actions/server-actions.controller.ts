import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { type AuthContext, Caller } from '../../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../../common/openapi';
import { requestId } from '../../../common/request-context';
import { type ApiVersion, Microversion } from '../../microversion';
import { serverActionBodySchema } from './action-table';
import { ServerActions } from './server-actions';
import { anyValue, mapOf } from '../../../common/openapi-shapes';

@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:id/action')
export class ServerActionsController {
  constructor(private readonly actions: ServerActions) {}

  @Returns(200, mapOf(anyValue))
  @Returns(202)
  @Returns(204)
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run a server action',
    description: 'The body has one key, the action: os-stop, reboot, lock, os-getConsoleOutput, ...',
  })
  @JsonSchemaBody(serverActionBodySchema)
  async act(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
    @Res({ passthrough: true }) res: Response,
  ) {
    const answer = await this.actions.perform(caller, id, body, v, requestId());
    res.status(answer.status);
    return answer.body;
  }
}
