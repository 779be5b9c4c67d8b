import { Global, Module } from '@nestjs/common';
import { type Settings } from '../../common/config';
import { type Logger } from '../../common/logger';

/** The validated configuration and the process logger, injectable everywhere. */
export const SETTINGS = Symbol('SETTINGS');
export const LOGGER = Symbol('LOGGER');

@Global()
@Module({})
export class SettingsModule {
  static forRoot(settings: Settings, logger: Logger) {
    return {
      module: SettingsModule,
      providers: [
        { provide: SETTINGS, useValue: settings },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [SETTINGS, LOGGER],
    };
  }
}
