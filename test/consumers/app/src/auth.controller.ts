import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AtlassianAuthGuard, type AuthenticatedUser } from 'nestjs-atlassian';

@Controller('auth/atlassian')
export class AuthController {
  @Get()
  @UseGuards(AtlassianAuthGuard)
  login(): void {}

  @Get('callback')
  @UseGuards(AtlassianAuthGuard)
  callback(@Req() req: { user: AuthenticatedUser }): AuthenticatedUser {
    return req.user;
  }
}
