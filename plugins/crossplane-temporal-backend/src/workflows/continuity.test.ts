/*
 * Continuity: a long-lived resource workflow continues as new and keeps its state; a token that
 * expires mid-flow costs a retry, not a duplicate object.
 */
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pollUntil } from '../__testUtils__/pollUntil';
import { BACKSTAGE_IDENTITY } from '../__testUtils__/testCluster';
import {
  alice,
  refFor,
  specFor,
  stepsOf,
  readyWithParameters,
  useResourceWorkflows,
} from '../__testUtils__/resourceWorkflowHarness';
import { updateSpecUpdate } from './definitions';

jest.setTimeout(120_000);

describe('continuity', () => {
  const h = useResourceWorkflows();

  it('continues as new before the history grows past its bound, carrying its state', async () => {
    const ref = refFor('long-lived-db');
    const handle = await h.provision(ref, {
      workflowOptions: { historyLimit: 80 },
    });
    await h.statusWhen(handle, s => s.phase === 'Ready');
    const firstRunId = (await handle.describe()).runId;
    for (const size of ['medium', 'small', 'medium']) {
      await h.updateSpec(
        handle,
        ref,
        { size },
        `resize-to-${size}-${randomUUID()}`,
      );
      await h.statusWhen(handle, readyWithParameters({ size }));
    }
    const latest = await h.statusWhen(handle, s =>
      stepsOf(s).includes('continue-as-new:info'),
    );
    const first = await h.client.workflow
      .getHandle(handle.workflowId, firstRunId)
      .describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect((await handle.describe()).runId).not.toBe(firstRunId);

    // The new run knows everything the old one did.
    expect(latest.steps[0]).toMatchObject({ seq: 1, step: 'request' });
    expect(latest.lastGoodSpec).toEqual(specFor(ref, { size: 'medium' }));
    expect(latest.outputs?.connectionSecret?.name).toBe('long-lived-db-conn');

    // A request it accepted before continuing is still recognised, and new ones still work.
    const requestId = `resize-again-${randomUUID()}`;
    const resize = {
      requestId,
      requestedBy: alice,
      spec: specFor(ref, { size: 'large' }),
    };
    expect(
      await handle.executeUpdate(updateSpecUpdate, { args: [resize] }),
    ).toEqual({ requestId, firstTime: true });
    const repeated = await handle.executeUpdate(updateSpecUpdate, {
      args: [resize],
    });
    expect(repeated).toEqual({ requestId, firstTime: false });
  });

  it('retries after its token expires mid-flow, and creates the object exactly once', async () => {
    const ref = refFor('rotated-db');
    const handle = await h.provision(ref, {
      policy: {
        approval: {
          operations: ['provision'],
          approvers: ['group:default/platform'],
          timeoutSeconds: 60,
        },
      },
    });
    const waiting = await h.statusWhen(
      handle,
      s => s.phase === 'AwaitingApproval',
    );
    const { lastSeq } = await h.sim.admin.audit();

    // The backend's token expires before the claim is written.
    await h.sim.admin.expireToken(BACKSTAGE_IDENTITY, 0);
    await h.decide(handle, { requestId: waiting.pendingApproval!.requestId });
    await pollUntil(
      'the cluster to refuse the expired token',
      async () =>
        (
          await h.sim.admin.audit({
            sinceSeq: lastSeq,
            name: 'rotated-db',
            verb: 'patch',
          })
        ).records.map(r => r.code),
      codes => codes.includes(401),
    );

    // The token file is rotated, as the kubelet does; the next attempt reads it and succeeds.
    const rotated = `rotated-${randomUUID()}`;
    await h.sim.admin.addToken(rotated, BACKSTAGE_IDENTITY, [
      'system:serviceaccounts',
    ]);
    writeFileSync(h.cluster.tokenFile, rotated);

    const status = await h.statusWhen(handle, s => s.phase === 'Ready');
    expect(stepsOf(status)).toContain('apply:succeeded');
    const writes = (
      await h.sim.admin.audit({
        sinceSeq: lastSeq,
        name: 'rotated-db',
        verb: 'patch',
      })
    ).records.filter(r => !r.dryRun);
    expect(writes.some(r => r.code === 401)).toBe(true);
    // Exactly one successful write created the claim.
    expect(writes.filter(r => r.code === 201)).toHaveLength(1);
  });
});
