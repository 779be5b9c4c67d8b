import { type DynamicModule, Module } from '@nestjs/common';
import { type Settings } from '../../common/config';
import { type Logger } from '../../common/logger';
import { DatabaseModule } from './database.module';
import { HealthModule } from './health/health.module';
import { SettingsModule } from './settings.module';
import { TemporalModule } from './temporal.module';

@Module({})
export class AppModule {
  static forRoot(settings: Settings, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [SettingsModule.forRoot(settings, logger), DatabaseModule, TemporalModule, HealthModule],
    };
  }
}
