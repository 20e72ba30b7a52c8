/*
 * A Resource entity for every resource: a full mutation on start and on a schedule, a delta as
 * each resource is provisioned, changes hands or is deprovisioned. The resource's system is its
 * component's, read from the catalog.
 */
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import type {
  AuthService,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { resourceEntityName } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type {
  ResourceChange,
  ResourceSource,
  ResourceSummary,
} from '../sources/types';
import { buildResourceEntity, resourceLocation } from './resourceEntity';
import { FollowingEntityProvider } from './FollowingEntityProvider';

export interface ResourceEntityProviderOptions {
  source: ResourceSource;
  entityNamespace: string;
  appBaseUrl: string;
  includeDiscovered: boolean;
  discoveredOwner?: string;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  taskRunner: SchedulerServiceTaskRunner;
}

const PROVIDER_NAME = 'crossplane-temporal-resources';

/** @public */
export class ResourceEntityProvider extends FollowingEntityProvider<ResourceChange> {
  /** The entity last emitted per workflow ID (as JSON), to skip changes the catalog does not show. */
  private readonly emitted = new Map<string, string>();
  /** Resources already logged as having no owner, so each is logged once. */
  private readonly ownerless = new Set<string>();

  constructor(private readonly options: ResourceEntityProviderOptions) {
    super(PROVIDER_NAME, { ...options, what: 'resource entities' });
  }

  protected follow(listener: (change: ResourceChange) => void) {
    return this.options.source.subscribe(listener, {
      includeDiscovered: this.options.includeDiscovered,
    });
  }

  override refresh(): Promise<void> {
    return this.queue.run(async () => {
      const resources = (
        await this.options.source.listResources({
          includeDiscovered: this.options.includeDiscovered,
        })
      ).filter(r => r.phase !== 'Deleted');
      const systems = await this.systemsOf(resources.map(r => r.component));
      const entities: Entity[] = [];
      this.emitted.clear();
      for (const resource of resources) {
        const entity = this.toEntity(resource, systems);
        if (!entity) continue;
        entities.push(entity);
        this.emitted.set(resource.workflowId, JSON.stringify(entity));
      }
      await this.connection?.applyMutation({
        type: 'full',
        entities: entities.map(entity => ({
          entity,
          locationKey: entity.metadata.annotations![
            'backstage.io/managed-by-location'
          ],
        })),
      });
    });
  }

  protected async applyChange(change: ResourceChange): Promise<void> {
    if (change.type === 'delete' || change.resource.phase === 'Deleted') {
      const ref = change.type === 'delete' ? change.ref : change.resource.ref;
      const workflowId =
        change.type === 'delete' ? change.workflowId : change.resource.workflowId;
      this.emitted.delete(workflowId);
      await this.connection?.applyMutation({
        type: 'delta',
        added: [],
        removed: [
          {
            entityRef: stringifyEntityRef({
              kind: 'Resource',
              namespace: this.options.entityNamespace,
              name: resourceEntityName(ref),
            }),
            locationKey: resourceLocation(workflowId),
          },
        ],
      });
      return;
    }
    const { resource } = change;
    const entity = this.toEntity(resource, await this.systemsOf([resource.component]));
    if (!entity) return;
    const json = JSON.stringify(entity);
    if (this.emitted.get(resource.workflowId) === json) return;
    this.emitted.set(resource.workflowId, json);
    await this.connection?.applyMutation({
      type: 'delta',
      added: [{ entity, locationKey: resourceLocation(resource.workflowId) }],
      removed: [],
    });
  }

  private toEntity(resource: ResourceSummary, systems: Map<string, string>) {
    const entity = buildResourceEntity(resource, {
      entityNamespace: this.options.entityNamespace,
      appBaseUrl: this.options.appBaseUrl,
      fallbackOwner:
        resource.origin === 'discovered' ? this.options.discoveredOwner : undefined,
      system: resource.component ? systems.get(resource.component) : undefined,
    });
    if (!entity && !this.ownerless.has(resource.workflowId)) {
      this.ownerless.add(resource.workflowId);
      this.options.logger.warn(
        `${resource.ref.kind} ${resource.ref.namespace}/${resource.ref.name} on cluster ${resource.ref.cluster} has no owner, so it is not in the catalog: set catalog.providers.crossplaneTemporal.resources.discoveredOwner, or annotate it with its owner`,
        { workflowId: resource.workflowId },
      );
    }
    return entity;
  }

  /**
   * The systems of the given components, by component ref. A component the catalog does not
   * have (yet), or a catalog that cannot answer, leaves the resource without a system until the
   * next refresh.
   */
  private async systemsOf(components: Array<string | undefined>) {
    const refs = [...new Set(components.filter((c): c is string => !!c))];
    const systems = new Map<string, string>();
    if (refs.length === 0) return systems;
    try {
      const { items } = await this.options.catalog.getEntitiesByRefs(
        { entityRefs: refs, fields: ['kind', 'metadata.name', 'metadata.namespace', 'spec.system'] },
        { credentials: await this.options.auth.getOwnServiceCredentials() },
      );
      items.forEach((entity, i) => {
        const system = entity?.spec?.system;
        if (typeof system !== 'string' || !system) return;
        systems.set(
          refs[i],
          stringifyEntityRef(
            parseEntityRef(system, {
              defaultKind: 'system',
              defaultNamespace: entity!.metadata.namespace ?? 'default',
            }),
          ),
        );
      });
    } catch (error) {
      this.options.logger.warn(
        'could not read the systems of the resources\' components from the catalog; they are added at the next refresh',
        { error: String(error) },
      );
    }
    return systems;
  }
}
