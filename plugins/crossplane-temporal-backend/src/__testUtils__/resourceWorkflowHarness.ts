/*
 * The resource workflows end to end, for tests: the real Temporal worker and client on the dev
 * server, the real cluster clients and watchers on the cluster simulator, and helpers that send
 * the requests the backend sends (provisions through the backend's ResourceWorkflowClient).
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  type ApprovalDecision,
  type JsonObject,
  type ObservedObjectEvent,
  type ProvisionRequest,
  type Requester,
  type ResourcePolicy,
  type ResourceRef,
  type ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeSim, KubeSimOptions } from '@crossplane-temporal/kube-sim';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Duration } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import fs from 'node:fs';
import path from 'node:path';
import type { ResourceActivities } from '../activities/types';
import { createClusterClients } from '../cluster';
import type { ClusterClient, KubeObject } from '../cluster/types';
import { ResourceWorkflowClient } from '../service/ResourceWorkflowClient';
import { startResourceWorker } from '../worker/startResourceWorker';
import {
  decideApprovalUpdate,
  deprovisionUpdate,
  observedSignal,
  statusQuery,
  updateSpecUpdate,
} from '../workflows/definitions';
import type { ResourceWorkflowOptions } from '../workflows/resourceWorkflow';
import { pollUntil } from './pollUntil';
import { startTestCluster, type TestCluster } from './testCluster';

export const alice: Requester = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', 'group:default/team-alpha'],
  kubernetes: { user: 'alice', groups: ['team-alpha'] },
};

export const pat: Requester = {
  userEntityRef: 'user:default/pat',
  ownershipEntityRefs: ['user:default/pat', 'group:default/platform'],
  kubernetes: { user: 'pat', groups: ['platform'] },
};

export const refFor = (
  name: string,
  namespace = 'team-alpha',
): ResourceRef => ({
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace,
  name,
});

export const DEFAULT_POLICY: ResourcePolicy = {
  drift: 'repair',
  readyTimeoutSeconds: 60,
};

export interface ResourceWorkflowHarness {
  sim: KubeSim;
  cluster: TestCluster;
  /** The cluster as the backend sees it (its own identity), to check what is there. */
  kube: ClusterClient;
  client: Client;
  taskQueue: string;
  provision(
    ref: ResourceRef,
    options?: {
      requestId?: string;
      policy?: Partial<ResourcePolicy>;
      parameters?: Record<string, string>;
      /** The whole spec, instead of the claim's with these parameters. */
      spec?: JsonObject;
      workflowOptions?: ResourceWorkflowOptions;
    },
  ): Promise<WorkflowHandle>;
  /** Asks for a claim's spec with new parameters, as alice. */
  updateSpec(
    handle: WorkflowHandle,
    ref: ResourceRef,
    parameters: Record<string, string>,
    requestId?: string,
  ): Promise<unknown>;
  /** Asks for a new spec, as alice. */
  update(
    handle: WorkflowHandle,
    spec: JsonObject,
    requestId?: string,
  ): Promise<unknown>;
  deprovision(handle: WorkflowHandle, requestId?: string): Promise<unknown>;
  decide(
    handle: WorkflowHandle,
    decision: Partial<ApprovalDecision>,
  ): Promise<unknown>;
  /** The workflow's status once `done` holds (queries are how it is seen to change). */
  statusWhen(
    handle: WorkflowHandle,
    done: (s: ResourceStatus) => boolean,
    timeoutMs?: number,
  ): Promise<ResourceStatus>;
}

/**
 * The workflows of these tests read the cluster on their own only every ten minutes, far beyond
 * any test's wait: what they see happen, they see through the watchers' events. A test of the
 * durable fallback sets its own, shorter period.
 */
export const EVENT_DRIVEN: ResourceWorkflowOptions = {
  fallbackPollSeconds: 600,
};

let requests = 0;
const nextRequestId = () => `request-${++requests}`;

export const specFor = (
  ref: ResourceRef,
  parameters: Record<string, string> = { size: 'small' },
) => ({
  parameters,
  writeConnectionSecretToRef: { name: `${ref.name}-conn` },
});

/** A provision request as the backend sends it, for alice of team-alpha. */
export const provisionRequest = (
  ref: ResourceRef,
  o: {
    requestId: string;
    policy?: Partial<ResourcePolicy>;
    parameters?: Record<string, string>;
    spec?: JsonObject;
  },
): ProvisionRequest => ({
  requestId: o.requestId,
  requestedBy: alice,
  ref,
  spec: o.spec ?? specFor(ref, o.parameters),
  owner: 'group:default/team-alpha',
  component: 'component:default/checkout-service',
  policy: { ...DEFAULT_POLICY, ...o.policy },
});

/**
 * Starts a resource's workflow (or finds it running) with a provision request, through the
 * backend's client: the handle of the workflow, once it accepted the request.
 */
export async function startProvision(
  client: Client,
  o: {
    taskQueue: string;
    ref: ResourceRef;
    requestId: string;
    policy?: Partial<ResourcePolicy>;
    parameters?: Record<string, string>;
    spec?: JsonObject;
    workflowOptions?: ResourceWorkflowOptions;
    workflowTaskTimeout?: Duration;
  },
): Promise<WorkflowHandle> {
  // Workers of these tests may be restarting: a request waits for the next one.
  const workflows = new ResourceWorkflowClient({
    client,
    taskQueue: o.taskQueue,
    requestTimeoutMs: 0,
  });
  const { workflowId } = await workflows.provision(provisionRequest(o.ref, o), {
    workflowOptions: o.workflowOptions,
    workflowTaskTimeout: o.workflowTaskTimeout,
  });
  return client.workflow.getHandle(workflowId);
}

/** The workflow's status once `done` holds (queries are how it is seen to change). */
export function statusWhen(
  handle: WorkflowHandle,
  done: (s: ResourceStatus) => boolean,
  timeoutMs = 60_000,
): Promise<ResourceStatus> {
  return pollUntil(
    `${handle.workflowId}'s status to change as the test expects`,
    () => handle.query(statusQuery),
    done,
    {
      timeoutMs,
      describe: status =>
        `${status.phase}, ${JSON.stringify({
          steps: status.steps.slice(-3),
          conditions: status.conditions,
        })}`,
    },
  );
}

/** Starts the cluster, the dev server and a worker for a test file; stops them after it. */
export function useResourceWorkflows(
  options: {
    providerDelayMs?: number;
    taskQueue?: string;
    wrapActivities?: (activities: ResourceActivities) => ResourceActivities;
    /** Workers on the task queue, each with its own watchers, as replicas of a deployment. */
    replicas?: number;
    /** Whether the workers run the watchers. Default: true. */
    watchers?: boolean;
    /** How the simulated cluster behaves, beyond the provider's delay. */
    cluster?: KubeSimOptions;
  } = {},
): ResourceWorkflowHarness {
  const taskQueue =
    options.taskQueue ?? `resources-${Math.random().toString(36).slice(2, 8)}`;
  const harness = { taskQueue } as ResourceWorkflowHarness;
  let temporal: TemporalDevServer;
  const workers: Array<{ stop(): Promise<void> }> = [];
  let connection: Connection;
  let clusterClients: ReturnType<typeof createClusterClients>;

  beforeAll(async () => {
    let cluster: TestCluster;
    [cluster, temporal] = await Promise.all([
      startTestCluster({
        providerDelayMs: options.providerDelayMs ?? 50,
        ...options.cluster,
      }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    harness.cluster = cluster;
    harness.sim = cluster.sim;
    clusterClients = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [cluster.clusterConfig] },
      }),
      logger: mockServices.logger.mock(),
    });
    harness.kube = clusterClients.get('local');
    for (let replica = 0; replica < (options.replicas ?? 1); replica++)
      workers.push(
        await startResourceWorker({
          config: new ConfigReader({
            crossplaneTemporal: {
              temporal: {
                address: temporal.address,
                taskQueue,
                worker: { watchers: options.watchers ?? true },
              },
              clusters: [cluster.clusterConfig],
            },
          }),
          logger: mockServices.logger.mock(),
          wrapActivities: options.wrapActivities,
        }),
      );
    connection = await Connection.connect({ address: temporal.address });
    harness.client = new Client({ connection });
  });

  afterAll(async () => {
    await Promise.all(workers.map(w => w.stop()));
    await clusterClients?.close();
    await connection?.close();
    await temporal?.stop();
    await harness.cluster?.stop();
  });

  harness.provision = (ref, o = {}) =>
    startProvision(harness.client, {
      taskQueue,
      ref,
      requestId: o.requestId ?? nextRequestId(),
      policy: o.policy,
      parameters: o.parameters,
      spec: o.spec,
      workflowOptions: { ...EVENT_DRIVEN, ...o.workflowOptions },
    });

  harness.update = (handle, spec, requestId = nextRequestId()) =>
    handle.executeUpdate(updateSpecUpdate, {
      args: [{ requestId, requestedBy: alice, spec }],
    });

  harness.updateSpec = (handle, ref, parameters, requestId) =>
    harness.update(handle, specFor(ref, parameters), requestId);

  harness.deprovision = (handle, requestId = nextRequestId()) =>
    handle.executeUpdate(deprovisionUpdate, {
      args: [{ requestId, requestedBy: alice }],
    });

  harness.decide = (handle, decision) =>
    handle.executeUpdate(decideApprovalUpdate, {
      args: [
        {
          requestId: '',
          decidedBy: pat.userEntityRef,
          decidedByOwnershipRefs: pat.ownershipEntityRefs,
          approved: true,
          ...decision,
        },
      ],
    });

  // On a timeout, says what the cluster shows too: the claim's and its composite's conditions.
  harness.statusWhen = async (handle, done, timeoutMs) => {
    try {
      return await statusWhen(handle, done, timeoutMs);
    } catch (error) {
      const { ref } = await handle.query(statusQuery);
      const claim = await harness.kube.get(ref).catch(() => undefined);
      const compositeRef = claim?.spec?.resourceRef;
      const composite = compositeRef
        ? await harness.kube.get(compositeRef).catch(() => undefined)
        : undefined;
      const conditionsOf = (o?: KubeObject) =>
        o ? JSON.stringify(o.status?.conditions ?? []) : 'absent';
      (error as Error).message += `; in the cluster: claim ${conditionsOf(
        claim,
      )}, composite ${compositeRef?.name ?? '(none)'} ${conditionsOf(
        composite,
      )}`;
      throw error;
    }
  };

  return harness;
}

/** Where recorded histories are kept, for the replay test. */
export const HISTORIES_DIR = path.resolve(
  __dirname,
  '../workflows/__histories__',
);

/** A recorded history, as the replay test reads it. */
export function readRecordedHistory(
  name: string,
): proto.api.history.v1.History {
  return proto.api.history.v1.History.fromObject(
    JSON.parse(
      fs.readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8'),
    ),
  );
}

/**
 * The `provision` recording with its first activity renamed: the history an unpatched change
 * that schedules another activity would meet, which replay must refuse as nondeterministic.
 */
export function historyTheCodeWouldNotMake(): proto.api.history.v1.History {
  const history = readRecordedHistory('provision');
  const scheduled = history.events.find(
    e => e.activityTaskScheduledEventAttributes,
  )!.activityTaskScheduledEventAttributes!;
  scheduled.activityType = { name: 'validateRequestOnly' };
  return history;
}

/**
 * With RECORD_WORKFLOW_HISTORIES=1, saves a finished run's history under `name`, so the replay test
 * checks future workflow code against it. Re-record only when a change is meant to be incompatible
 * (and then behind `patched()` for running workflows).
 */
export async function recordHistory(handle: WorkflowHandle, name: string) {
  if (!process.env.RECORD_WORKFLOW_HISTORIES) return;
  const { History } = proto.api.history.v1;
  // protobuf's JSON mapping of the message (int64 and enums as strings, bytes as base64), which
  // History.fromObject reads back as it was.
  const json = History.toObject(
    History.fromObject(await handle.fetchHistory()),
    {
      longs: String,
      enums: String,
      bytes: String,
    },
  );
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(HISTORIES_DIR, `${name}.json`),
    `${JSON.stringify(json, null, 1)}\n`,
  );
}

/** The steps of a status as `step:outcome`, for compact assertions. */
export const stepsOf = (status: ResourceStatus) =>
  status.steps.map(s => `${s.step}:${s.outcome}`);

/** Ready, with these parameters in the last good spec: an update has taken effect. */
export const readyWithParameters =
  (parameters: Record<string, unknown>) => (status: ResourceStatus) =>
    status.phase === 'Ready' &&
    Object.entries(parameters).every(
      ([name, value]) =>
        (status.lastGoodSpec as any)?.parameters?.[name] === value,
    );

/** The watch events a workflow has been signalled so far, from its history. */
export async function observedSignals(
  handle: WorkflowHandle,
): Promise<ObservedObjectEvent[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .map(e => e.workflowExecutionSignaledEventAttributes)
    .filter(a => a?.signalName === observedSignal.name)
    .map(a =>
      defaultPayloadConverter.fromPayload<ObservedObjectEvent>(
        a!.input!.payloads![0],
      ),
    );
}

/** The marker the SDK records a local activity's outcome in. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** The local activities in a history, from their markers: each one's type and the attempt that ended it. */
export function localActivitiesIn(
  events: proto.api.history.v1.IHistoryEvent[],
): Array<{ type: string; attempt: number }> {
  return events.flatMap(event => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return [];
    const data = defaultPayloadConverter.fromPayload<{
      activity_type: string;
      attempt: number;
    }>(marker.details!.data.payloads![0]);
    return [{ type: data.activity_type, attempt: data.attempt }];
  });
}
