/*
 * Conformance: custom search attributes registered through OperatorService, set at start and
 * upserted by workflows, memo, and ListWorkflowExecutions / CountWorkflowExecutions with the
 * query subset users write: system attributes (WorkflowId, StartTime, CloseTime, ...), custom
 * Keyword, Int, Text and Datetime attributes, and ORDER BY.
 */
import { WorkflowExecutionInfo } from '@temporalio/client';
import { useConformance } from '../__testUtils__/conformance';
import { waitFor } from '../__testUtils__/history';
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

  /**
   * In the order asked for. Elasticsearch visibility orders (as this server does); SQL visibility
   * stores, the Temporal CLI's SQLite among them, refuse ORDER BY, which is all they promise.
   */
  const ORDER_BY_REFUSED = 'ORDER BY refused';
  const listOrdered = async (query: string, orderBy: string) => {
    try {
      return (await list(query, orderBy)).map(r => r.workflowId);
    } catch (error: any) {
      if (!process.env.TEMPORAL_ADDRESS) throw error;
      const refusal = error.cause ?? error;
      expect(refusal.code).toBe(3);
      expect(String(refusal.details ?? refusal.message)).toMatch(/ORDER BY/);
      return ORDER_BY_REFUSED;
    }
  };
  let orderBySupported = true;
  const inOrder = (workflowIds: string[]) =>
    orderBySupported ? workflowIds : ORDER_BY_REFUSED;
  /** The times the server gave each tagged run, then the running one. */
  const times: Array<{ start: number; close?: number }> = [];

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
        Notes: 1, // Text
        DueAt: 6, // Datetime
      },
    });
    for (const [tier, size, notes, dueAt] of [
      ['gold', 100, 'priority support, replicated', '2030-01-01T00:00:00Z'],
      ['silver', 20, 'standard support', '2030-02-01T00:00:00Z'],
      ['bronze', 5, 'community support', '2030-03-01T00:00:00Z'],
    ] as const) {
      const workflowId = t.id(`tagged-${tier}`);
      ids.push(workflowId);
      await t.client.workflow.execute('tagging', {
        taskQueue: t.taskQueue,
        workflowId,
        args: [tier, size],
        searchAttributes: {
          Team: [team],
          Notes: [notes],
          DueAt: [new Date(dueAt)],
        },
        memo: { owner: 'platform' },
      });
    }
    const running = await t.client.workflow.start('awaitingApproval', {
      taskQueue: t.taskQueue,
      workflowId: t.id('still-running'),
      searchAttributes: { Team: [team] },
    });
    ids.push(running.workflowId);
    for (const workflowId of ids) {
      const { startTime, closeTime } = await t.client.workflow
        .getHandle(workflowId)
        .describe();
      times.push({ start: startTime.getTime(), close: closeTime?.getTime() });
    }
    orderBySupported =
      (await listOrdered(`WorkflowType = 'tagging'`, 'ORDER BY StartTime')) !==
      ORDER_BY_REFUSED;
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

  it('filters by WorkflowId', async () => {
    expect(
      (await eventually(`WorkflowId = '${ids[1]}'`, 1)).map(r => r.workflowId),
    ).toEqual([ids[1]]);
  });

  it('filters by StartTime and CloseTime', async () => {
    // The server's times arrive here to the millisecond: a boundary 1 ms after one run's time lies
    // before the next run's, which started (or closed) after that run completed.
    const afterSilverStarted = new Date(times[1].start + 1).toISOString();
    const afterGoldClosed = new Date(times[0].close! + 1).toISOString();
    const workflowIds = async (query: string, count: number) =>
      (await eventually(query, count)).map(r => r.workflowId).sort();
    expect(await workflowIds(`StartTime > '${afterSilverStarted}'`, 2)).toEqual(
      [ids[2], ids[3]].sort(),
    );
    expect(await workflowIds(`StartTime < '${afterSilverStarted}'`, 2)).toEqual(
      [ids[0], ids[1]].sort(),
    );
    // The running workflow has not closed: no close time to compare.
    expect(await workflowIds(`CloseTime > '${afterGoldClosed}'`, 2)).toEqual(
      [ids[1], ids[2]].sort(),
    );
    expect(await workflowIds(`CloseTime < '${afterGoldClosed}'`, 1)).toEqual([
      ids[0],
    ]);
  });

  it('matches a Text attribute by the words in it', async () => {
    expect(await eventually(`Notes = 'support'`, 3)).toHaveLength(3);
    expect(
      (await eventually(`Notes = 'community'`, 1)).map(r => r.workflowId),
    ).toEqual([ids[2]]);
    // Any of the words asked for.
    expect(
      (await eventually(`Notes = 'replicated community'`, 2))
        .map(r => r.workflowId)
        .sort(),
    ).toEqual([ids[0], ids[2]].sort());
  });

  it('compares a Datetime attribute', async () => {
    expect(
      (await eventually(`DueAt > '2030-01-15T00:00:00Z'`, 2))
        .map(r => r.workflowId)
        .sort(),
    ).toEqual([ids[1], ids[2]].sort());
    expect(
      (await eventually(`DueAt <= '2030-02-01T00:00:00Z'`, 2))
        .map(r => r.workflowId)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
  });

  it('orders by a custom attribute', async () => {
    expect(
      await listOrdered(`WorkflowType = 'tagging'`, 'ORDER BY SizeGb DESC'),
    ).toEqual(inOrder(ids.slice(0, 3)));
  });

  it('orders by StartTime, ascending and descending', async () => {
    expect(
      await listOrdered(`Team = '${team}'`, 'ORDER BY StartTime ASC'),
    ).toEqual(inOrder(ids));
    expect(
      await listOrdered(`Team = '${team}'`, 'ORDER BY StartTime DESC'),
    ).toEqual(inOrder([...ids].reverse()));
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
    // Real servers index asynchronously.
    await waitFor(
      'the count of the tagged runs to be 4',
      async () =>
        (await t.client.workflow.count(`Team = '${team}'`)).count === 4,
    );
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
    const listPatched = async () => {
      const found: string[] = [];
      for await (const info of t.client.workflow.list({
        query: `TemporalChangeVersion = '${patchId}'`,
      }))
        found.push(info.workflowId);
      return found;
    };
    // Real servers index asynchronously.
    await waitFor(
      'a run listed by its patch',
      async () => (await listPatched()).length > 0,
    );
    expect(await listPatched()).toEqual([workflowId]);
  });

  it('refuses a malformed query and an unknown attribute with INVALID_ARGUMENT', async () => {
    for (const query of [
      `WorkflowType = `,
      `NoSuchAttribute = 'x'`,
      `Tier IN 'gold'`,
      // A Text attribute is matched by its words, never compared.
      `Notes > 'support'`,
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
