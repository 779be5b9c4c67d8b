import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { type Settings } from '../../common/config';
import { type Logger } from '../../common/logger';
import { AuthGuard } from './common/auth/auth.guard';
import { ComputeModule } from './compute/compute.module';
import { DatabaseModule } from './database.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { ImageModule } from './image/image.module';
import { MetricsModule } from './metrics/metrics.module';
import { NetworkModule } from './network/network.module';
import { SettingsModule } from './settings.module';
import { TemporalModule } from './temporal.module';

@Module({})
export class AppModule {
  static forRoot(settings: Settings, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(settings, logger),
        DatabaseModule,
        TemporalModule,
        HealthModule,
        MetricsModule,
        IdentityModule,
        ImageModule,
        NetworkModule,
        ComputeModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
