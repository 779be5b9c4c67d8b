import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthenticationService } from './authentication.service';
import { CatalogController } from './catalog.controller';
import { DomainsController } from './domains.controller';
import { GrantsController } from './grants.controller';
import { IdentityStore } from './identity-store';
import { LoginThrottle } from './login-throttle';
import { PasswordHashing } from './password-hashing';
import { ProjectsController } from './projects.controller';
import { RolesController } from './roles.controller';
import { TokenPruner } from './token-pruner';
import { TokenService } from './token.service';
import { UsersController } from './users.controller';
import { IdentityVersionsController } from './versions.controller';
import { IdentityViews } from './views';

/** Keystone v3's subset under /identity: tokens, domains, projects, users, roles, grants, catalog. */
@Module({
  controllers: [
    IdentityVersionsController,
    AuthController,
    DomainsController,
    ProjectsController,
    UsersController,
    RolesController,
    GrantsController,
    CatalogController,
  ],
  providers: [
    TokenService,
    AuthenticationService,
    IdentityStore,
    IdentityViews,
    PasswordHashing,
    LoginThrottle,
    TokenPruner,
  ],
  exports: [TokenService],
})
export class IdentityModule {}
