/*
 * Crash tests: the worker process is killed with SIGKILL at seeded random points of provisioning
 * and updating, and a new worker finishes every workflow, with exactly one claim per request and
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
import type { ResourceStatus } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import {
  alice,
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
  stopWorkerProcess,
  writeWorkflowBundle,
} from '../__testUtils__/spawnWorkerProcess';
import { statusQuery, updateSpecUpdate } from '../workflows/definitions';

jest.setTimeout(600_000);

const RUNS = 20;
const SEED = 20261125;
/** What a kill interrupted when the workflow was waiting, not working. */
const WAITING = 'nothing (waiting)';
const TASK_QUEUE = 'crash-test';
const NAMESPACE = 'team-alpha';

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

  const startWorker = () => spawnWorkerProcess(appConfig);
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
    // Every call about a claim takes a while, so that kills land in activities as well as in
    // the waits between them.
    await cluster.sim.admin.setFaults({
      latencyMs: 150,
      pathIncludes: ['/postgresqlinstances/crash-'],
    });
  });

  afterAll(async () => {
    if (worker) await kill(worker);
    await connection?.close();
    await temporal?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const provision = (name: string) =>
    startProvision(client, {
      taskQueue: TASK_QUEUE,
      ref: refFor(name, NAMESPACE),
      requestId: `provision-${name}`,
      // A killed worker's activity attempt is retried after 3 s, not the default 30,
      workflowOptions: { fallbackPollSeconds: 5, clusterCallTimeoutSeconds: 3 },
      // and its workflow task after 2 s, not 10.
      workflowTaskTimeout: '2 seconds',
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

  async function readyWith(
    handle: WorkflowHandle,
    size: string,
  ): Promise<ResourceStatus> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      // A query a restarting worker never answers is asked again (queries are best effort);
      // the workflow's own progress is what this test checks.
      const status = await handle.query(statusQuery).catch(error => {
        if (/no worker answered the query/.test(String(error?.cause?.message)))
          return undefined;
        throw error;
      });
      if (!status) {
        if (Date.now() > deadline)
          throw new Error(
            `${handle.workflowId}: its status query is never answered`,
          );
        continue;
      }
      const good = (status.lastGoodSpec as any)?.parameters?.size;
      if (status.phase === 'Ready' && good === size) return status;
      if (status.phase === 'Failed' || Date.now() > deadline)
        throw new Error(
          `${handle.workflowId}: ${status.phase}, ${status.lastError ?? ''}`,
        );
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  it(`finishes every workflow after ${RUNS} kills at random points, with one claim each and no orphans`, async () => {
    const random = seeded(SEED);
    const expected = new Map<string, string>();
    const killedDuring: string[] = [];
    worker = await startWorker();
    for (let run = 0; run < RUNS; run++) {
      // Half the runs kill during a provision, half during an update of a Ready resource.
      const name = `crash-${run}`;
      const updating = run % 2 === 1;
      let handle: WorkflowHandle = await provision(name);
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
      // The random point: somewhere in validation, apply, or waiting for Ready.
      await new Promise(resolve =>
        setTimeout(resolve, Math.floor(random() * 800)),
      );
      await kill(worker);
      killedDuring.push(await inFlightAt(handle));
      worker = await startWorker();
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
