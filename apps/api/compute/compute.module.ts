import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { WorkflowStarter } from '../common/workflow-starter';
import { AggregatesController } from './aggregates/aggregates.controller';
import { AggregatesService } from './aggregates/aggregates.service';
import { AvailabilityZonesController } from './availability-zones.controller';
import { ExtensionsController } from './extensions/extensions.controller';
import { FlavorAccessController } from './flavors/flavor-access.controller';
import { FlavorExtraSpecsController } from './flavors/flavor-extra-specs.controller';
import { FlavorsController } from './flavors/flavors.controller';
import { FlavorsService } from './flavors/flavors.service';
import { KeypairsController } from './keypairs/keypairs.controller';
import { LimitsController } from './limits.controller';
import { microversionMiddleware } from './microversion';
import { LiveMigrationControls } from './migrations/live-migration-controls';
import { OsMigrationsController } from './migrations/os-migrations.controller';
import { ServerMigrationsController } from './migrations/server-migrations.controller';
import { OsHypervisorsController } from './os-hypervisors.controller';
import { OsServicesController } from './os-services.controller';
import { QuotaClassSetsController } from './quota-class-sets.controller';
import { QuotaSetsController } from './quota-sets.controller';
import { RunbooksController } from './runbooks/runbooks.controller';
import { RunbooksService } from './runbooks/runbooks.service';
import { ServerGroupsController } from './server-groups.controller';
import { ConsoleOutputReader } from './servers/actions/console-output';
import { MoveActions } from './servers/actions/move-actions';
import { InstanceLocks } from './servers/actions/instance-locks';
import { StateResetter } from './servers/actions/reset-state';
import { SecurityGroupActions } from './servers/actions/security-group-actions';
import { ServerActions } from './servers/actions/server-actions';
import { ServerActionsController } from './servers/actions/server-actions.controller';
import { InstanceActionsController } from './servers/instance-actions.controller';
import { ServerExternalEventsController } from './servers/server-external-events.controller';
import { ServerInterfacesController } from './servers/server-interfaces.controller';
import { ServerIpsController } from './servers/server-ips.controller';
import { ServerMetadataController } from './servers/server-metadata.controller';
import { ServerReader } from './servers/server-reader';
import { ServerTagsController } from './servers/server-tags.controller';
import { ServersController } from './servers/servers.controller';
import { ServersService } from './servers/servers.service';
import { LaunchRelay } from './servers/launch-relay';
import { OperationLauncher } from './servers/operation-launcher';
import { ComputeVersionsController } from './versions.controller';
import { SecurityGroupsProxyController } from './security-groups-proxy/security-groups-proxy.controller';
import { NetworkAccess } from '../network/network-access';
import { NetworkUrls } from '../network/network-urls';
import { SecurityGroupAccess } from '../network/security-groups/security-group-access';
import { SecurityGroupRulesService } from '../network/security-groups/security-group-rules.service';
import { SecurityGroupsService } from '../network/security-groups/security-groups.service';

/** Nova's API under /compute/v2.1, every request microversioned. */
@Module({
  controllers: [
    ComputeVersionsController,
    ExtensionsController,
    FlavorsController,
    FlavorExtraSpecsController,
    FlavorAccessController,
    LimitsController,
    QuotaSetsController,
    QuotaClassSetsController,
    ServersController,
    ServerActionsController,
    ServerMetadataController,
    ServerTagsController,
    ServerIpsController,
    ServerInterfacesController,
    ServerExternalEventsController,
    InstanceActionsController,
    ServerMigrationsController,
    OsMigrationsController,
    KeypairsController,
    ServerGroupsController,
    OsServicesController,
    OsHypervisorsController,
    AvailabilityZonesController,
    AggregatesController,
    SecurityGroupsProxyController,
    RunbooksController,
  ],
  providers: [
    RunbooksService,
    AggregatesService,
    FlavorsService,
    OperationLauncher,
    LaunchRelay,
    ServerReader,
    ServersService,
    ServerActions,
    InstanceLocks,
    SecurityGroupActions,
    StateResetter,
    ConsoleOutputReader,
    LiveMigrationControls,
    MoveActions,
    // The os-security-groups proxy works through Neutron's own services.
    NetworkAccess,
    NetworkUrls,
    SecurityGroupAccess,
    SecurityGroupsService,
    SecurityGroupRulesService,
    WorkflowStarter,
  ],
})
export class ComputeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(microversionMiddleware).forRoutes('compute/v2.1{/*path}');
  }
}
