/*
 * Conformance: custom search attributes registered through OperatorService, set at start and
 * upserted by workflows, memo, and ListWorkflowExecutions / CountWorkflowExecutions with the
 * query subset users write.
 */
import { WorkflowExecutionInfo } from '@temporalio/client';
import { useConformance } from '../__testUtils__/conformance';
import { sizeKey, tierKey } from '../__testUtils__/workflows';

jest.setTimeout(60_000);

describe('visibility', () => {
  const t = useConformance('visibility');
  // Unique per run, so the suite also works against a long-lived real server.
  const team = `team-${Date.now().toString(36)}`;
  const ids: string[] = [];

  const list = async (query: string, orderBy = '') => {
    const found: WorkflowExecutionInfo[] = [];
    for await (const info of t.client.workflow.list({
      query: `Team = '${team}' AND (${query}) ${orderBy}`,
    }))
      found.push(info);
    return found;
  };

  /** Real servers index asynchronously: wait until the expected count shows. */
  const eventually = async (query: string, count: number) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await list(query);
      if (found.length === count || Date.now() > deadline) return found;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    await t.client.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: {
        Team: 2, // Keyword
        Tier: 2,
        SizeGb: 3, // Int
      },
    });
    for (const [tier, size] of [
      ['gold', 100],
      ['silver', 20],
      ['bronze', 5],
    ] as const) {
      const workflowId = t.id(`tagged-${tier}`);
      ids.push(workflowId);
      await t.client.workflow.execute('tagging', {
        taskQueue: t.taskQueue,
        workflowId,
        args: [tier, size],
        searchAttributes: { Team: [team] },
        memo: { owner: 'platform' },
      });
    }
    await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.taskQueue,
      workflowId: t.id('still-running'),
      searchAttributes: { Team: [team] },
    });
  });

  it('lists the search attributes it knows', async () => {
    const { customAttributes, systemAttributes } =
      await t.client.connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
    expect(customAttributes).toMatchObject({ Team: 2, Tier: 2, SizeGb: 3 });
    expect(systemAttributes).toHaveProperty('WorkflowType');
  });

  it('filters by workflow type and status', async () => {
    expect(await eventually(`WorkflowType = 'tagging'`, 3)).toHaveLength(3);
    const running = await eventually(`ExecutionStatus = 'Running'`, 1);
    expect(running.map(r => r.type)).toEqual(['awaitingApproval']);
    expect(
      await eventually(
        `ExecutionStatus != 'Running' AND WorkflowType = 'tagging'`,
        3,
      ),
    ).toHaveLength(3);
  });

  it('filters by upserted Keyword and Int attributes, with IN, comparisons, OR and parentheses', async () => {
    expect(
      (await eventually(`Tier IN ('gold', 'bronze')`, 2))
        .map(r => r.workflowId)
        .sort(),
    ).toEqual([ids[0], ids[2]].sort());
    expect(
      (await eventually(`SizeGb > 10 AND SizeGb < 50`, 1)).map(
        r => r.workflowId,
      ),
    ).toEqual([ids[1]]);
    expect(
      await eventually(
        `(Tier = 'gold' OR Tier = 'silver') AND SizeGb >= 20`,
        2,
      ),
    ).toHaveLength(2);
    expect(
      (await eventually(`WorkflowId STARTS_WITH 'tagged-sil'`, 1))[0]
        .workflowId,
    ).toBe(ids[1]);
  });

  it('orders by a custom attribute', async () => {
    const ordered = await list(
      `WorkflowType = 'tagging'`,
      'ORDER BY SizeGb DESC',
    );
    expect(ordered.map(r => r.workflowId)).toEqual(ids);
  });

  it('returns typed search attributes and memo with each execution', async () => {
    const [gold] = await eventually(`Tier = 'gold'`, 1);
    expect(gold.typedSearchAttributes.get(tierKey)).toBe('gold');
    expect(gold.typedSearchAttributes.get(sizeKey)).toBe(100);
    expect(gold.memo).toEqual({
      owner: 'platform',
      requestedBy: 'tagging-test',
    });
  });

  it('counts, overall and grouped by status', async () => {
    const deadline = Date.now() + 20_000;
    let count = await t.client.workflow.count(`Team = '${team}'`);
    while (count.count !== 4 && Date.now() < deadline)
      count = await t.client.workflow.count(`Team = '${team}'`);
    expect(count.count).toBe(4);
    const grouped = await t.client.workflow.count(
      `Team = '${team}' GROUP BY ExecutionStatus`,
    );
    const byStatus = Object.fromEntries(
      grouped.groups.map(g => [g.groupValues[0], g.count]),
    );
    expect(byStatus).toEqual({ Completed: 3, Running: 1 });
  });

  it('lets patched() record its patch in TemporalChangeVersion, without registering it', async () => {
    const workflowId = t.id('patching');
    const patchId = `patch-${team}`;
    await expect(
      t.client.workflow.execute('patching', {
        taskQueue: t.taskQueue,
        workflowId,
        args: [patchId],
      }),
    ).resolves.toBe('patched');
    const deadline = Date.now() + 20_000;
    const listPatched = async () => {
      const found: string[] = [];
      for await (const info of t.client.workflow.list({
        query: `TemporalChangeVersion = '${patchId}'`,
      }))
        found.push(info.workflowId);
      return found;
    };
    let patchedIds = await listPatched();
    // Real servers index asynchronously.
    while (patchedIds.length === 0 && Date.now() < deadline)
      patchedIds = await listPatched();
    expect(patchedIds).toEqual([workflowId]);
  });

  it('refuses a malformed query and an unknown attribute with INVALID_ARGUMENT', async () => {
    for (const query of [
      `WorkflowType = `,
      `NoSuchAttribute = 'x'`,
      `Tier IN 'gold'`,
    ]) {
      const error = await t.client.workflowService
        .listWorkflowExecutions({ namespace: 'default', query })
        .catch(e => e);
      expect(error.code).toBe(3);
    }
  });

  it('refuses to start a workflow with an undefined search attribute', async () => {
    const error = await t.client.workflow
      .start('greeting', {
        taskQueue: t.taskQueue,
        workflowId: t.id('undefined-attribute'),
        args: ['x'],
        searchAttributes: { NotRegistered: ['x'] },
      })
      .catch(e => e);
    expect(error.code ?? error.cause?.code).toBe(3);
  });
});
