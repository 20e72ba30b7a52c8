/*
 * Crash tests: the worker process is killed with SIGKILL at seeded random points of provisioning
 * and updating (and, once each, in the middle of a cluster call and while the workflow waits for
 * an approval), and a new worker finishes every workflow, with exactly one claim per request and
 * no orphaned composed resources.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import type {
  ResourcePolicy,
  ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { pollUntil } from '../__testUtils__/pollUntil';
import {
  alice,
  pat,
  refFor,
  specFor,
  startProvision,
} from '../__testUtils__/resourceWorkflowHarness';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import {
  spawnWorkerProcess,
  startStandbyWorker,
  stopWorkerProcess,
  writeWorkflowBundle,
} from '../__testUtils__/spawnWorkerProcess';
import {
  decideApprovalUpdate,
  statusQuery,
  updateSpecUpdate,
} from '../workflows/definitions';

// 20 kills, each followed by a worker that recovers the workflow (most wait out the killed
// worker's 10 s sticky schedule-to-start): 310 s with 9 processes running on the machine's 2 cores.
jest.setTimeout(900_000);

const RUNS = 20;
const SEED = 20261125;
/** What a kill interrupted when the workflow was waiting, not working. */
const WAITING = 'nothing (waiting)';
const { PendingActivityState } = proto.api.enums.v1;
/** gRPC's code for a call that ran out of its deadline. */
const DEADLINE_EXCEEDED = 4;
/** How the server says a query went unanswered while a worker restarts. */
const UNANSWERED =
  /no worker answered the query|due to Workflow Task in failed state/;
const TASK_QUEUE = 'crash-test';
const NAMESPACE = 'team-alpha';
/** Every call about a claim takes a while, so that kills land in activities as well as waits. */
const SLOW_CLAIMS = {
  latencyMs: 150,
  pathIncludes: ['/postgresqlinstances/crash-'],
};
/**
 * The runs whose kill point is chosen by what the workflow does rather than by the clock, so that
 * the kills land in work and in a wait on a machine of any speed: the first while its validation's
 * call to the cluster is held, the third while it waits for an approver.
 */
const KILLED_IN_A_CALL = 0;
const KILLED_AWAITING_APPROVAL = 2;
const APPROVAL: Partial<ResourcePolicy> = {
  approval: {
    operations: ['provision'],
    approvers: ['group:default/platform'],
    timeoutSeconds: 600,
  },
};

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a worker killed mid-flight', () => {
  let cluster: TestCluster;
  let temporal: TemporalDevServer;
  let connection: Connection;
  let client: Client;
  let dir: string;
  let appConfig: object;
  let worker: ChildProcess | undefined;
  /**
   * The next worker's process, its code loaded while the current one works: the replacement of a
   * killed worker starts at once, however long loading takes on the machine (11 to 15 s of the
   * 16 s of each run, at a load of 18).
   */
  let standby: Promise<ChildProcess> | undefined;

  const startWorker = async () => {
    const next = await (standby ??
      spawnWorkerProcess(appConfig, { standby: true }));
    standby = spawnWorkerProcess(appConfig, { standby: true });
    return startStandbyWorker(next);
  };
  const kill = (child: ChildProcess) => stopWorkerProcess(child, 'SIGKILL');

  /** Admin reads of the simulated cluster. */
  const list = async (path: string) => {
    const response = await fetch(`${cluster.sim.url}${path}`, {
      headers: {
        Authorization: `Bearer ${cluster.sim.tokenFor('kube-admin')}`,
      },
    });
    return ((await response.json()) as { items: any[] }).items;
  };

  beforeAll(async () => {
    [cluster, temporal] = await Promise.all([
      startTestCluster({ providerDelayMs: 300 }),
      startTemporalDevServer({ logLevel: 'error' }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'crash-test-'));
    const bundle = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'));
    appConfig = {
      crossplaneTemporal: {
        temporal: {
          address: temporal.address,
          taskQueue: TASK_QUEUE,
          worker: { workflowBundlePath: bundle },
        },
        clusters: [cluster.clusterConfig],
      },
    };
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
    await cluster.sim.admin.setFaults(SLOW_CLAIMS);
  });

  afterAll(async () => {
    if (worker) await kill(worker);
    const spare = await standby?.catch(() => undefined);
    if (spare) await kill(spare);
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const provision = (name: string, policy?: Partial<ResourcePolicy>) =>
    startProvision(client, {
      taskQueue: TASK_QUEUE,
      ref: refFor(name, NAMESPACE),
      requestId: `provision-${name}`,
      policy,
      // A killed worker's activity attempt is retried after 3 s, not the default 30. Its workflow
      // task keeps the default 10 s: its apply runs in it (a local activity), and on a busy
      // machine a shorter timeout (2 s, 5 s) passed while a live worker still ran it, which then
      // got the task's next attempt too and kept failing it (the run stuck 'in failed state').
      workflowOptions: { fallbackPollSeconds: 5, clusterCallTimeoutSeconds: 3 },
    });

  /**
   * What the killed worker was doing, from the history: an activity it had started and not
   * finished, a workflow task it had not completed (where cluster calls run, as local
   * activities), or nothing (the workflow was waiting).
   */
  async function inFlightAt(handle: WorkflowHandle): Promise<string> {
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = new Map<string, string>();
    let taskOpen = false;
    for (const event of events) {
      const attributes = event.activityTaskScheduledEventAttributes;
      if (attributes)
        scheduled.set(String(event.eventId), attributes.activityType!.name!);
      const ended =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes;
      if (ended) scheduled.delete(String(ended.scheduledEventId));
      if (event.workflowTaskStartedEventAttributes) taskOpen = true;
      if (
        event.workflowTaskCompletedEventAttributes ??
        event.workflowTaskFailedEventAttributes ??
        event.workflowTaskTimedOutEventAttributes
      )
        taskOpen = false;
    }
    const inFlight = [...scheduled.values()];
    if (taskOpen) inFlight.push('a workflow task');
    return inFlight.join(', ') || WAITING;
  }

  /**
   * The workflow's status once `done` holds. A query that a restarting worker never answers, or
   * that the server refuses while the killed worker's task is retried, is asked again (queries
   * are best effort): the workflow's own progress is what this test checks. Each is given 5 s: one
   * sent to the killed worker's sticky queue waits there for the dev server's whole query timeout
   * (30 s), where Temporal moves it to the normal queue after the worker's sticky
   * schedule-to-start timeout.
   */
  const statusOnce = (
    handle: WorkflowHandle,
    what: string,
    done: (status: ResourceStatus) => boolean,
  ) =>
    pollUntil(
      `${handle.workflowId} ${what}`,
      () =>
        client.connection
          .withDeadline(Date.now() + 5_000, () => handle.query(statusQuery))
          .catch(error => {
            const cause = error?.cause ?? error;
            if (
              cause?.code === DEADLINE_EXCEEDED ||
              UNANSWERED.test(String(cause?.message))
            )
              return undefined;
            throw error;
          }),
      status => {
        if (status?.phase === 'Failed')
          throw new Error(`${handle.workflowId} failed: ${status.lastError}`);
        return status !== undefined && done(status);
      },
      {
        timeoutMs: 120_000,
        intervalMs: 100,
        describe: status =>
          status ? status.phase : 'no answer to the status query',
      },
    ) as Promise<ResourceStatus>;

  const readyWith = (handle: WorkflowHandle, size: string) =>
    statusOnce(
      handle,
      `Ready with size ${size}`,
      status =>
        status.phase === 'Ready' &&
        (status.lastGoodSpec as any)?.parameters?.size === size,
    );

  /** Once the workflow has a call of an activity running (held: it cannot finish). */
  const inACall = (handle: WorkflowHandle) =>
    pollUntil(
      `an activity of ${handle.workflowId} to run`,
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      activities =>
        activities.some(
          a => a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
        ),
      { intervalMs: 20 },
    );

  /** Once the workflow waits for an approver with nothing in flight. */
  const awaitingApproval = async (handle: WorkflowHandle) => {
    await statusOnce(handle, 'awaiting approval', s =>
      Boolean(s.pendingApproval),
    );
    await pollUntil(
      `${handle.workflowId} to have nothing in flight`,
      async () => (await handle.describe()).raw,
      raw => !raw.pendingWorkflowTask && !raw.pendingActivities?.length,
      { intervalMs: 20, describe: () => 'a task or an activity in flight' },
    );
  };

  /** Approves the provision the workflow waits for, as an approver. */
  const approve = async (handle: WorkflowHandle) => {
    const { pendingApproval } = await statusOnce(
      handle,
      'awaiting approval',
      s => Boolean(s.pendingApproval),
    );
    await handle.executeUpdate(decideApprovalUpdate, {
      args: [
        {
          requestId: pendingApproval!.requestId,
          decidedBy: pat.userEntityRef,
          decidedByOwnershipRefs: pat.ownershipEntityRefs,
          approved: true,
        },
      ],
    });
  };

  it(`finishes every workflow after ${RUNS} kills at random points, with one claim each and no orphans`, async () => {
    const random = seeded(SEED);
    const expected = new Map<string, string>();
    const killedDuring: string[] = [];
    worker = await startWorker();
    for (let run = 0; run < RUNS; run++) {
      // Half the runs kill during a provision, half during an update of a Ready resource.
      const name = `crash-${run}`;
      const updating = run % 2 === 1;
      if (run === KILLED_IN_A_CALL)
        await cluster.sim.admin.setFaults({
          ...SLOW_CLAIMS,
          hold: true,
          pathIncludes: [`/postgresqlinstances/${name}`],
        });
      let handle: WorkflowHandle = await provision(
        name,
        run === KILLED_AWAITING_APPROVAL ? APPROVAL : undefined,
      );
      expected.set(name, 'small');
      if (updating) {
        await readyWith(handle, 'small');
        handle = client.workflow.getHandle(handle.workflowId);
        await handle.startUpdate(updateSpecUpdate, {
          args: [
            {
              requestId: `update-${name}`,
              requestedBy: alice,
              spec: specFor(refFor(name, NAMESPACE), { size: 'medium' }),
            },
          ],
          waitForStage: 'ACCEPTED',
        });
        expected.set(name, 'medium');
      }
      if (run === KILLED_IN_A_CALL) await inACall(handle);
      else if (run === KILLED_AWAITING_APPROVAL) await awaitingApproval(handle);
      // The random point: somewhere in validation, apply, or waiting for Ready.
      else
        await new Promise(resolve =>
          setTimeout(resolve, Math.floor(random() * 800)),
        );
      await kill(worker);
      killedDuring.push(await inFlightAt(handle));
      if (run === KILLED_IN_A_CALL)
        await cluster.sim.admin.setFaults(SLOW_CLAIMS);
      worker = await startWorker();
      if (run === KILLED_AWAITING_APPROVAL) await approve(handle);
      await readyWith(handle, expected.get(name)!);
    }
    // The kills landed in the middle of work as well as while workflows waited.
    expect(killedDuring.filter(k => k !== WAITING).length).toBeGreaterThan(0);
    expect(killedDuring).toContain(WAITING);

    // Exactly one claim per request, each bound to one composite whose composed resources exist;
    // no composed resource whose composite is gone.
    const claims = await list(
      `/apis/database.example.org/v1alpha1/namespaces/${NAMESPACE}/postgresqlinstances`,
    );
    const ours = claims.filter(c => c.metadata.name.startsWith('crash-'));
    expect(ours.map(c => c.metadata.name).sort()).toEqual(
      [...expected.keys()].sort(),
    );
    const composites = await list(
      '/apis/database.example.org/v1alpha1/xpostgresqlinstances',
    );
    const compositeUids = new Set(composites.map(x => x.metadata.uid));
    for (const claim of ours) {
      const bound = composites.filter(
        x => x.spec?.claimRef?.name === claim.metadata.name,
      );
      expect(bound).toHaveLength(1);
    }
    // No composite left without its claim.
    const claimed = composites.filter(x =>
      x.spec?.claimRef?.name?.startsWith('crash-'),
    );
    expect(claimed).toHaveLength(ours.length);
    // Each claim created once: a retried apply updates what the first one created.
    const { records } = await cluster.sim.admin.audit({
      resource: 'postgresqlinstances',
      verb: 'patch',
    });
    for (const claim of ours)
      expect(
        records.filter(
          r => r.name === claim.metadata.name && r.code === 201 && !r.dryRun,
        ),
      ).toHaveLength(1);
    // Each composite composes one of each managed resource, none of them orphaned.
    for (const kind of ['databaseinstances', 'networks']) {
      const managed = await list(`/apis/sim.crossplane.io/v1alpha1/${kind}`);
      const owners = managed.map(
        m =>
          (m.metadata.ownerReferences ?? []).find((o: any) =>
            compositeUids.has(o.uid),
          )?.uid,
      );
      expect(owners.filter(uid => uid === undefined)).toEqual([]);
      for (const composite of claimed)
        expect(
          owners.filter(uid => uid === composite.metadata.uid),
        ).toHaveLength(1);
    }
  });
});
