import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type Connection } from '@temporalio/client';
import { type Settings } from '../../common/config';
import { connectTemporal } from '../../common/temporal-connection';
import { Tracing } from '../../common/tracing';
import { SETTINGS } from './settings.module';

/** The API's Temporal client: it starts, signals and cancels workflows; it runs none. */
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');

@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CONNECTION,
      inject: [SETTINGS],
      useFactory: (settings: Settings) =>
        connectTemporal(settings.env.temporalAddress, settings.env.temporalAccess),
    },
    {
      provide: TEMPORAL_CLIENT,
      inject: [TEMPORAL_CONNECTION, SETTINGS],
      useFactory: (connection: Connection, settings: Settings) =>
        new Client({
          connection,
          namespace: settings.env.temporalNamespace,
          interceptors: Tracing.start('api').clientInterceptors(),
        }),
    },
  ],
  exports: [TEMPORAL_CLIENT],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(TEMPORAL_CONNECTION) private readonly connection: Connection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
