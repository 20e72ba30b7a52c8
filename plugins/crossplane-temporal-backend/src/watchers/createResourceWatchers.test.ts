/*
 * Watchers against the cluster simulator: changes to a managed claim, its composite and its
 * managed resources all reach the claim's workflow, also after the watch streams dropped;
 * changes no workflow acts on are not sent; a cluster that cannot be reached at start is tried
 * again in the background while the others are watched.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  WORKFLOW_ID_ANNOTATION,
  type ObservedObjectEvent,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { KubeSim } from '@crossplane-temporal/kube-sim';
import fs from 'node:fs';
import { notifiedWaits } from '../__testUtils__/notifiedWaits';
import { recordingLogger } from '../__testUtils__/recordingLogger';
import {
  startTestCluster,
  type TestCluster,
} from '../__testUtils__/testCluster';
import { unusedPort } from '../__testUtils__/unusedPort';
import { createClusterClients } from '../cluster';
import { createResourceWatchers } from '.';

jest.setTimeout(60_000);

const alice = { user: 'alice', groups: ['team-alpha'] };

describe('resource watchers', () => {
  let sim: KubeSim;
  let cluster: TestCluster;
  let clients: ReturnType<typeof createClusterClients>;
  const events: Array<{ workflowId: string; event: ObservedObjectEvent }> = [];
  const waits = notifiedWaits();
  let watchers: ReturnType<typeof createResourceWatchers>;

  /** What the watchers deliver: kept, and any waiter told. */
  const record = async (workflowId: string, event: ObservedObjectEvent) => {
    events.push({ workflowId, event });
    waits.notify();
  };

  /**
   * Resolves with the first delivered event (past or future) that matches; fails after 30 s,
   * saying what it waited for.
   */
  const delivered = (
    match: (workflowId: string, e: ObservedObjectEvent) => boolean,
    what = 'the event the test expects',
  ) =>
    waits.until(
      `${what} to be delivered`,
      () =>
        events.find(({ workflowId, event }) => match(workflowId, event))?.event,
    );

  /** Resolves once a claim's workflow has been told that the claim is Ready. */
  const readyIn = (workflowId: string) =>
    delivered(
      (id, e) =>
        id === workflowId &&
        e.role === 'resource' &&
        e.conditions.some(c => c.type === 'Ready' && c.status === 'True'),
      `Ready claim for ${workflowId}`,
    );

  const claim = (name: string, workflowId: string, size = 'small') => ({
    apiVersion: 'database.example.org/v1alpha1',
    kind: 'PostgreSQLInstance',
    metadata: {
      name,
      namespace: 'team-alpha',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { [WORKFLOW_ID_ANNOTATION]: workflowId },
    },
    spec: { parameters: { size } },
  });

  beforeAll(async () => {
    cluster = await startTestCluster();
    sim = cluster.sim;
    clients = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: [cluster.clusterConfig] },
      }),
      logger: mockServices.logger.mock(),
    });
    watchers = createResourceWatchers({
      clusters: clients,
      logger: mockServices.logger.mock(),
      onEvent: record,
    });
    await watchers.start();
  });

  afterAll(async () => {
    await watchers?.stop();
    await clients?.close();
    await cluster?.stop();
  });

  it("traces the claim and its managed resources to the claim's workflow, and tells nothing of a healthy composite", async () => {
    await clients.get('local').apply(claim('orders-db', 'wf-orders'), {
      fieldManager: 'crossplane-temporal',
      as: alice,
    });

    const ready = await delivered(
      (id, e) =>
        id === 'wf-orders' &&
        e.role === 'resource' &&
        e.conditions.some(c => c.type === 'Ready' && c.status === 'True'),
    );
    expect(ready).toMatchObject({
      kind: 'PostgreSQLInstance',
      name: 'orders-db',
      namespace: 'team-alpha',
    });
    expect(
      ready.conditions.find(c => c.type === 'Ready')?.observedGeneration,
    ).toBe(ready.generation);

    const managed = await delivered(
      (id, e) =>
        id === 'wf-orders' &&
        e.role === 'managed' &&
        e.kind === 'DatabaseInstance',
    );
    expect(managed.name).toMatch(/^orders-db-/);
    expect(managed.lastSpecManager).toBe(
      'apiextensions.crossplane.io/composite',
    );
    // Nothing with no conditions yet (a first sighting says nothing), and nothing of the
    // composite, whose readiness the claim reports.
    const sent = events.filter(({ workflowId }) => workflowId === 'wf-orders');
    expect(sent.filter(({ event }) => event.conditions.length === 0)).toEqual(
      [],
    );
    expect(sent.filter(({ event }) => event.role === 'composite')).toEqual([]);
  });

  it('ignores objects the suite does not manage', async () => {
    await clients.get('local').apply(
      {
        ...claim('hand-made-db', 'wf-none'),
        metadata: { name: 'hand-made-db', namespace: 'team-alpha' },
      },
      { fieldManager: 'kubectl', as: alice },
    );
    // Wait for something later than the hand-made claim to be delivered, then check.
    await clients.get('local').apply(claim('marker-db', 'wf-marker'), {
      fieldManager: 'crossplane-temporal',
      as: alice,
    });
    await delivered(id => id === 'wf-marker');
    expect(events.some(({ event }) => event.name === 'hand-made-db')).toBe(
      false,
    );
  });

  /** Applies a managed claim and resolves once its workflow was told that it is Ready. */
  async function readyClaim(name: string, workflowId: string) {
    await clients.get('local').apply(claim(name, workflowId), {
      fieldManager: 'crossplane-temporal',
      as: alice,
    });
    await readyIn(workflowId);
    return {
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'PostgreSQLInstance',
      namespace: 'team-alpha',
      name,
    };
  }

  it('keeps delivering after the watch streams were dropped', async () => {
    const dropping = await readyClaim('dropped-db', 'wf-dropped');
    const { dropped } = await sim.admin.dropWatches();
    expect(dropped).toBeGreaterThan(0);
    await sim.admin.driftPatch(
      dropping,
      { spec: { parameters: { size: 'large' } } },
      'kubectl-edit',
    );
    const changed = await delivered(
      (id, e) =>
        id === 'wf-dropped' &&
        e.role === 'resource' &&
        e.lastSpecManager === 'kubectl-edit',
      'change by kubectl-edit',
    );
    expect(changed.generation).toBeGreaterThan(1);
  });

  it('does not signal a change the workflows do not act on', async () => {
    const selector = await readyClaim('labelled-db', 'wf-labelled');
    // A label: no new generation, no condition changes.
    const labelled = (await sim.admin.driftPatch(selector, {
      metadata: { labels: { 'cost-centre': 'cc-42' } },
    })) as { metadata: { resourceVersion: string } };
    // Then a spec change, which is delivered; the label change before it was not.
    await sim.admin.driftPatch(
      selector,
      { spec: { parameters: { size: 'medium' } } },
      'kubectl-scale',
    );
    await delivered(
      (id, e) => id === 'wf-labelled' && e.lastSpecManager === 'kubectl-scale',
      'change by kubectl-scale',
    );
    expect(
      events.filter(
        ({ event }) =>
          event.resourceVersion === labelled.metadata.resourceVersion,
      ),
    ).toEqual([]);
  });

  it('tells the workflow of every part that goes when the claim is deleted, whatever the order', async () => {
    await clients.get('local').apply(claim('doomed-db', 'wf-doomed'), {
      fieldManager: 'crossplane-temporal',
      as: alice,
    });
    await delivered(
      (id, e) =>
        id === 'wf-doomed' &&
        e.role === 'resource' &&
        e.conditions.some(c => c.type === 'Ready' && c.status === 'True'),
    );
    // The claim, its composite and the composite's managed resources, as the cluster has them.
    const local = clients.get('local');
    const doomed = await local.get({
      apiVersion: 'database.example.org/v1alpha1',
      kind: 'PostgreSQLInstance',
      namespace: 'team-alpha',
      name: 'doomed-db',
    });
    const composite = await local.get(doomed!.spec!.resourceRef);
    const parts = [doomed!.metadata.uid!, composite!.metadata.uid!];
    for (const ref of composite!.spec!.resourceRefs)
      parts.push((await local.get(ref))!.metadata.uid!);
    expect(new Set(parts).size).toBe(4);
    await local.delete(
      {
        apiVersion: 'database.example.org/v1alpha1',
        kind: 'PostgreSQLInstance',
        namespace: 'team-alpha',
        name: 'doomed-db',
      },
      { as: alice },
    );
    // Parts go after what their owner is traced through (the claim, the composite): the news of
    // each still reaches the claim's workflow.
    for (const uid of parts)
      await delivered(
        (id, e) => id === 'wf-doomed' && e.uid === uid && e.type === 'DELETED',
      );
  });

  it("tells the workflow that a managed resource failed, with the provider's message", async () => {
    await sim.admin.configureProvider({
      failures: [
        {
          kind: 'DatabaseInstance',
          namePattern: '^refused-db',
          message: 'quota exceeded for db.t3.small',
        },
      ],
    });
    try {
      await clients.get('local').apply(claim('refused-db', 'wf-refused'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
      const failed = await delivered(
        (id, e) =>
          id === 'wf-refused' &&
          e.role === 'managed' &&
          e.conditions.some(c => c.type === 'Synced' && c.status === 'False'),
      );
      expect(failed.kind).toBe('DatabaseInstance');
      expect(failed.conditions.find(c => c.type === 'Synced')).toMatchObject({
        reason: 'ReconcileError',
        message: 'quota exceeded for db.t3.small',
        observedGeneration: failed.generation,
      });
    } finally {
      await sim.admin.configureProvider({ failures: [] });
    }
  });

  /**
   * Watchers of their own for the clusters `clusterConfigs` configures, delivering to `record`
   * and logging to a recording logger; started, and stopped by `stop()` with their clients.
   */
  async function startWatchersOf(
    clusterConfigs: JsonObject[],
    discoveryBackoff?: { initialMs: number; maxMs: number },
  ) {
    const own = createClusterClients({
      config: new ConfigReader({
        crossplaneTemporal: { clusters: clusterConfigs },
      }),
      logger: mockServices.logger.mock(),
    });
    const logger = recordingLogger();
    const watching = createResourceWatchers({
      clusters: own,
      logger,
      onEvent: record,
      discoveryBackoff,
    });
    await watching.start();
    return {
      clients: own,
      logger,
      async stop() {
        await watching.stop();
        await own.close();
      },
    };
  }

  it('watches every configured cluster, and traces each object to its workflow there', async () => {
    const other = await startTestCluster();
    const watching = await startWatchersOf([
      cluster.clusterConfig,
      { ...other.clusterConfig, name: 'other' },
    ]);
    const both = watching.clients;
    try {
      // The same name in both clusters: each is its own resource, with its own workflow.
      await both.get('local').apply(claim('twin-db', 'wf-twin-local'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
      await both.get('other').apply(claim('twin-db', 'wf-twin-other'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
      await Promise.all([readyIn('wf-twin-local'), readyIn('wf-twin-other')]);
      const uidsOf = (workflowId: string) =>
        new Set(
          events.filter(e => e.workflowId === workflowId).map(e => e.event.uid),
        );
      const local = uidsOf('wf-twin-local');
      for (const uid of uidsOf('wf-twin-other'))
        expect(local.has(uid)).toBe(false);
    } finally {
      await watching.stop();
      await other.stop();
    }
  });

  const COULD_NOT_DISCOVER =
    'could not discover what to watch in the cluster; trying again';

  it('watches the other clusters while one cannot be reached, and that one once it answers', async () => {
    // Nobody listens there yet; a simulator is started there later.
    const port = await unusedPort();
    const watching = await startWatchersOf(
      [
        cluster.clusterConfig,
        {
          ...cluster.clusterConfig,
          name: 'late',
          url: `http://127.0.0.1:${port}`,
        },
      ],
      { initialMs: 50, maxMs: 200 },
    );
    const { clients: both, logger } = watching;
    let late: TestCluster | undefined;
    try {
      const failure = await logger.logged(
        l => l.message === COULD_NOT_DISCOVER && l.fields.cluster === 'late',
      );
      expect(failure).toMatchObject({
        level: 'warn',
        fields: {
          reason: 'Transient',
          error: expect.stringContaining(
            `cluster late could not be reached: connect ECONNREFUSED 127.0.0.1:${port}`,
          ),
        },
      });
      // Nothing of the backend's credentials in what it says.
      const token = fs.readFileSync(cluster.tokenFile, 'utf8').trim();
      expect(JSON.stringify(logger.lines)).not.toContain(token);

      // The cluster that answers is watched meanwhile.
      await both.get('local').apply(claim('early-db', 'wf-early'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
      await readyIn('wf-early');

      late = await startTestCluster({ port });
      await logger.logged(
        l =>
          l.message === 'the cluster answers again; watching it' &&
          l.fields.cluster === 'late',
      );
      await both.get('late').apply(claim('late-db', 'wf-late'), {
        fieldManager: 'crossplane-temporal',
        as: alice,
      });
      await readyIn('wf-late');
    } finally {
      await watching.stop();
      await late?.stop();
    }
  });

  it('stops trying a cluster that cannot be reached once it is stopped', async () => {
    /** Watchers of a cluster nobody listens for, trying it every 20 ms. */
    const watchingUnreachable = async () => {
      const watching = await startWatchersOf(
        [
          {
            ...cluster.clusterConfig,
            name: 'unreachable',
            url: `http://127.0.0.1:${await unusedPort()}`,
          },
        ],
        { initialMs: 20, maxMs: 20 },
      );
      const { logger } = watching;
      return {
        tries: () =>
          logger.lines.filter(l => l.message === COULD_NOT_DISCOVER).length,
        tried: (failures: number) =>
          logger.logged(
            l =>
              l.message === COULD_NOT_DISCOVER &&
              l.fields.failures === failures,
          ),
        stop: () => watching.stop(),
      };
    };

    const stopped = await watchingUnreachable();
    try {
      await stopped.tried(3);
    } finally {
      await stopped.stop();
    }
    const triesWhenStopped = stopped.tries();
    // A try that is not made shows nothing to wait for. Watchers of another such cluster, started
    // now at the same pace, keep the time: by their third try, the stopped ones would have made
    // another, had they not stopped.
    const witness = await watchingUnreachable();
    try {
      await witness.tried(3);
    } finally {
      await witness.stop();
    }
    expect(stopped.tries()).toBe(triesWhenStopped);
  });

  it('signals the workflows of what it finds on starting a few at a time, every one of them', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `existing-${i}`);
    await Promise.all(
      names.map(name => sim.admin.applyManifest(claim(name, `wf-${name}`))),
    );
    // A worker starting now finds them all in its first lists.
    const reached = new Set<string>();
    let inFlight = 0;
    let mostInFlight = 0;
    let allReached = () => {};
    const everyOne = new Promise<void>(resolve => {
      allReached = resolve;
    });
    const starting = createResourceWatchers({
      clusters: clients,
      logger: mockServices.logger.mock(),
      deliveryConcurrency: 3,
      async onEvent(workflowId) {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // A signal takes a round trip: stay in flight across a turn of the event loop.
        await new Promise(resolve => setImmediate(resolve));
        inFlight -= 1;
        reached.add(workflowId);
        if (names.every(name => reached.has(`wf-${name}`))) allReached();
      },
    });
    await starting.start();
    try {
      await everyOne;
      expect(mostInFlight).toBe(3);
    } finally {
      await starting.stop();
    }
  });
});
