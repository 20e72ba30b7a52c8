/*
 * The resource workflow's activities, created from their dependencies: every side effect of a
 * workflow (cluster calls, notifications) happens here, and only here.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Context } from '@temporalio/activity';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import {
  FIELD_MANAGER,
  describeResourceRef,
  type ComposedResource,
  type JsonObject,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type {
  ClusterClient,
  ClusterClients,
  KubeObject,
  ObjectRef,
} from '../cluster/types';
import { conditionsOf } from '../crossplane/conditions';
import { summariseComposed } from '../crossplane/composed';
import { desiredObject, dryRunApply } from './desiredObject';
import { invalidSpec, translatingClusterErrors } from './failures';
import { describeSchemaErrors, SpecSchemaCache } from './schemaValidation';
import type {
  ApplyResourceInput,
  ObservedState,
  ReadResourceStateInput,
  ResourceActivities,
} from './types';

export interface ResourceActivityDependencies {
  clusters: ClusterClients;
  logger: LoggerService;
  /** Backstage notifications; without it, notifications are only logged. */
  notifications?: NotificationService;
}

/**
 * The notifications service's scope of this send: the same for every attempt of one activity
 * (a retry after a send whose completion was lost), so the notification is updated, not sent
 * twice; different for every other send.
 */
function sendScope(): string {
  const { workflowExecution, activityId } = Context.current().info;
  // The workflow's activities always have one; an activity started on its own has only its ID.
  const run = workflowExecution
    ? `${workflowExecution.workflowId}/${workflowExecution.runId}/`
    : '';
  return `${run}${activityId}`;
}

export function createResourceActivities(
  deps: ResourceActivityDependencies,
): ResourceActivities {
  const { clusters, logger, notifications } = deps;
  const schemas = new SpecSchemaCache();

  const objectRefOf = (ref: ResourceRef): ObjectRef => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
  });

  return {
    async validateSpec({ ref, spec }) {
      return translatingClusterErrors(() => checkSchema(ref, spec));
    },

    async dryRunApply(input) {
      return translatingClusterErrors(() => dryRun(input));
    },

    async validateAndDryRun(input) {
      return translatingClusterErrors(async () => {
        await checkSchema(input.ref, input.spec);
        await dryRun(input);
      });
    },

    async applyResource(input) {
      return translatingClusterErrors(async () => {
        const stored = await clusters
          .get(input.ref.cluster)
          .apply(desiredObject(input), {
            fieldManager: FIELD_MANAGER,
            force: input.force,
            as: input.as,
          });
        logger.info('applied resource', {
          resource: describeResourceRef(input.ref),
          generation: stored.metadata.generation,
          as: input.as?.user,
        });
        return {
          uid: stored.metadata.uid ?? '',
          generation: stored.metadata.generation ?? 1,
          resourceVersion: stored.metadata.resourceVersion ?? '',
        };
      });
    },

    async readResourceState(input) {
      return translatingClusterErrors(() =>
        readState(clusters.get(input.ref.cluster), input),
      );
    },

    async deleteResource({ ref, as }) {
      return translatingClusterErrors(async () => {
        const result = await clusters
          .get(ref.cluster)
          .delete(objectRefOf(ref), { as });
        logger.info('deleted resource', {
          resource: describeResourceRef(ref),
          result,
          as: as?.user,
        });
        return result;
      });
    },

    async notify(input) {
      if (!notifications || input.recipients.length === 0) {
        logger.info('notification', {
          title: input.title,
          recipients: input.recipients.join(','),
        });
        return;
      }
      await notifications.send({
        recipients: { type: 'entity', entityRef: input.recipients },
        payload: {
          title: input.title,
          description: input.description,
          severity: input.severity,
          topic: input.topic,
          scope: sendScope(),
        },
      });
    },
  };

  async function checkSchema(ref: ResourceRef, spec: JsonObject) {
    const schema = await schemas.get(clusters.get(ref.cluster), ref);
    if (!schema) {
      throw invalidSpec(
        `no CompositeResourceDefinition in cluster ${ref.cluster} serves ${ref.kind} in ${ref.apiVersion}; ask the platform team which kinds and versions are offered`,
      );
    }
    if (!schema.validate(spec)) {
      const problems = describeSchemaErrors(schema.validate.errors);
      throw invalidSpec(
        `the spec does not match ${schema.xrdName}: ${problems.join('; ')}`,
      );
    }
  }

  async function dryRun(input: ApplyResourceInput) {
    await dryRunApply(clusters, input);
  }

  async function readState(
    client: ClusterClient,
    input: ReadResourceStateInput,
  ): Promise<ObservedState> {
    const { ref } = input;
    const object = await client.get(objectRefOf(ref));
    const known = new Map<string, ObjectRef>();
    for (const k of input.known ?? []) known.set(keyOf(k), k);

    let composite: ObjectRef | undefined;
    let compositeObject: KubeObject | undefined = object;
    const claimRef = object?.spec?.resourceRef;
    if (claimRef?.name && claimRef?.kind) {
      // A v1 claim: its composite is a separate, cluster-scoped object.
      composite = {
        apiVersion: claimRef.apiVersion,
        kind: claimRef.kind,
        name: claimRef.name,
      };
      known.set(keyOf(composite), composite);
      compositeObject = await client.get(composite);
    }

    const composed: ComposedResource[] = [];
    const refs: any[] =
      compositeObject?.spec?.crossplane?.resourceRefs ??
      compositeObject?.spec?.resourceRefs ??
      [];
    for (const r of refs) {
      const mrRef: ObjectRef = {
        apiVersion: r.apiVersion,
        kind: r.kind,
        name: r.name,
        namespace:
          r.namespace ??
          (compositeObject === object ? ref.namespace : undefined),
      };
      known.set(keyOf(mrRef), mrRef);
    }

    const remaining: ObjectRef[] = [];
    for (const candidate of known.values()) {
      const found = sameObject(candidate, composite)
        ? compositeObject
        : await client.get(candidate);
      if (!found) continue;
      remaining.push(candidate);
      if (!sameObject(candidate, composite)) composed.push(summarise(found));
    }

    return {
      exists: object !== undefined,
      uid: object?.metadata.uid,
      generation: object?.metadata.generation,
      resourceVersion: object?.metadata.resourceVersion,
      deleting: Boolean(object?.metadata.deletionTimestamp),
      conditions: conditionsOf(object),
      composite,
      composed,
      connectionSecret: object
        ? await connectionSecretOf(client, object, input)
        : undefined,
      remaining,
    };
  }

  /** The connection secret's name and keys; values are never read into the workflow. */
  async function connectionSecretOf(
    client: ClusterClient,
    object: KubeObject,
    input: ReadResourceStateInput,
  ) {
    const name: string | undefined =
      object.spec?.writeConnectionSecretToRef?.name;
    if (!name) return undefined;
    const namespace: string =
      object.spec?.writeConnectionSecretToRef?.namespace ?? input.ref.namespace;
    try {
      const secret = await client.get(
        { apiVersion: 'v1', kind: 'Secret', namespace, name },
        { as: input.as },
      );
      return {
        namespace,
        name,
        keys: Object.keys((secret?.data as object | undefined) ?? {}).sort(),
      };
    } catch (error) {
      logger.warn('could not read the connection secret keys', {
        resource: describeResourceRef(input.ref),
        secret: `${namespace}/${name}`,
        error: (error as Error).message,
      });
      return { namespace, name, keys: [] };
    }
  }
}

function keyOf(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

function sameObject(a: ObjectRef, b: ObjectRef | undefined): boolean {
  return b !== undefined && keyOf(a) === keyOf(b);
}

function summarise(object: KubeObject): ComposedResource {
  return summariseComposed({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    generation: object.metadata.generation,
    conditions: conditionsOf(object),
  });
}
