/*
 * What only this dev server answers, to the unmodified @temporalio/client: its version, and a
 * refusal naming each RPC it does not implement. Starting, describing and terminating workflows
 * are in the conformance suite (src/conformance/basics.test.ts), bad requests in
 * src/badInput.test.ts.
 */
import { useDevServer } from './__testUtils__/devServer';

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('temporal dev server with the Temporal client', () => {
  const dev = useDevServer();

  it('refuses what it does not implement, naming it, instead of pretending', async () => {
    const error = await dev.client.workflowService
      .resetWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'orders-db' },
      })
      .catch(e => e);
    expect(error.code).toBe(12); // UNIMPLEMENTED
    expect(error.details).toBe(
      'ResetWorkflowExecution is not implemented by this Temporal dev server',
    );
  });

  it('says it is the dev server', async () => {
    const info = await dev.client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toContain('dev');
  });
});
