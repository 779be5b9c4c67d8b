import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { FlavorAccessController } from './flavors/flavor-access.controller';
import { FlavorExtraSpecsController } from './flavors/flavor-extra-specs.controller';
import { FlavorsController } from './flavors/flavors.controller';
import { FlavorsService } from './flavors/flavors.service';
import { LimitsController } from './limits.controller';
import { microversionMiddleware } from './microversion';
import { QuotaSetsController } from './quota-sets.controller';
import { ComputeVersionsController } from './versions.controller';

/** Nova's API under /compute/v2.1, every request microversioned. */
@Module({
  controllers: [
    ComputeVersionsController,
    FlavorsController,
    FlavorExtraSpecsController,
    FlavorAccessController,
    LimitsController,
    QuotaSetsController,
  ],
  providers: [FlavorsService],
})
export class ComputeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(microversionMiddleware).forRoutes('compute/v2.1{/*path}');
  }
}
