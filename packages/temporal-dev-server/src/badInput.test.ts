/*
 * Bad input never crashes the server: each kind of malformed or inconsistent request gets the
 * gRPC status Temporal gives and a message that says what is wrong, and the server keeps serving.
 */
import { Client, Connection } from '@temporalio/client';
import Long from 'long';
import { startTemporalDevServer, type TemporalDevServer } from '.';
import { encodeToken } from './taskTokens';

// grpc status codes
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const UNIMPLEMENTED = 12;

describe('bad requests', () => {
  let server: TemporalDevServer;
  let connection: Connection;
  let client: Client;
  let completedId: string;
  let completedRunId: string;
  let runningId: string;

  const service = () => connection.workflowService;
  const operator = () => connection.operatorService;

  beforeAll(async () => {
    server = await startTemporalDevServer({ logLevel: 'error' });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    runningId = 'bad-input-running';
    await client.workflow.start('anything', {
      taskQueue: 'nobody-polls',
      workflowId: runningId,
    });
    completedId = 'bad-input-terminated';
    const done = await client.workflow.start('anything', {
      taskQueue: 'nobody-polls',
      workflowId: completedId,
    });
    completedRunId = done.firstExecutionRunId;
    await done.terminate('done');
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  const start = (fields: object) =>
    service().startWorkflowExecution({
      namespace: 'default',
      workflowId: 'w',
      workflowType: { name: 't' },
      taskQueue: { name: 'q' },
      requestId: `r-${Math.random()}`,
      ...fields,
    });

  const staleToken = (kind: 'workflow' | 'activity' | 'query') =>
    encodeToken({
      kind,
      namespace: 'default',
      workflowId: completedId,
      runId: completedRunId,
      scheduledEventId: 2,
      attempt: 1,
      queryId: 'gone',
    });
  const garbage = Buffer.from('not a token');

  const cases: Array<[string, () => Promise<unknown>, number, RegExp]> = [
    [
      'start without a workflow ID',
      () => start({ workflowId: '' }),
      INVALID_ARGUMENT,
      /WorkflowId is not set/,
    ],
    [
      'start without a workflow type',
      () => start({ workflowType: {} }),
      INVALID_ARGUMENT,
      /WorkflowType is not set/,
    ],
    [
      'start without a task queue',
      () => start({ taskQueue: {} }),
      INVALID_ARGUMENT,
      /TaskQueue is not set/,
    ],
    [
      'start in an unknown namespace',
      () => start({ namespace: 'nope' }),
      NOT_FOUND,
      /Namespace nope is not found/,
    ],
    [
      'start without a namespace',
      () => start({ namespace: '' }),
      INVALID_ARGUMENT,
      /Namespace is not set/,
    ],
    [
      'start with a negative run timeout',
      () => start({ workflowRunTimeout: { seconds: -5 } }),
      INVALID_ARGUMENT,
      /workflowRunTimeout must not be negative/,
    ],
    [
      'start of a running workflow ID',
      () => start({ workflowId: runningId }),
      ALREADY_EXISTS,
      /already running/,
    ],
    [
      'start with an unregistered search attribute',
      () =>
        start({
          searchAttributes: {
            indexedFields: { Nope: { data: Buffer.from('"x"') } },
          },
        }),
      INVALID_ARGUMENT,
      /search attribute Nope is not defined/,
    ],
    [
      'start that sets a search attribute the server keeps',
      () =>
        start({
          searchAttributes: {
            indexedFields: { WorkflowType: { data: Buffer.from('"x"') } },
          },
        }),
      INVALID_ARGUMENT,
      /search attribute WorkflowType is reserved by the system/,
    ],
    [
      'describe without a workflow ID',
      () =>
        service().describeWorkflowExecution({
          namespace: 'default',
          execution: {},
        }),
      INVALID_ARGUMENT,
      /WorkflowId is not set/,
    ],
    [
      'describe an unknown workflow',
      () =>
        service().describeWorkflowExecution({
          namespace: 'default',
          execution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /not found for workflow ID ghost/,
    ],
    [
      'describe an unknown run of a known workflow',
      () =>
        service().describeWorkflowExecution({
          namespace: 'default',
          execution: {
            workflowId: runningId,
            runId: '00000000-0000-0000-0000-000000000000',
          },
        }),
      NOT_FOUND,
      /run ID/,
    ],
    [
      'terminate a closed workflow',
      () =>
        service().terminateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
        }),
      NOT_FOUND,
      /already completed/,
    ],
    [
      'cancel an unknown workflow',
      () =>
        service().requestCancelWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /not found/,
    ],
    [
      'cancel a closed workflow',
      () =>
        service().requestCancelWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
        }),
      NOT_FOUND,
      /already completed/,
    ],
    [
      'signal without a signal name',
      () =>
        service().signalWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: runningId },
        }),
      INVALID_ARGUMENT,
      /SignalName is not set/,
    ],
    [
      'signal an unknown workflow',
      () =>
        service().signalWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: 'ghost' },
          signalName: 's',
        }),
      NOT_FOUND,
      /not found/,
    ],
    [
      'signal a closed workflow',
      () =>
        service().signalWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
          signalName: 's',
        }),
      NOT_FOUND,
      /already completed/,
    ],
    [
      'signal-with-start without a signal name',
      () =>
        service().signalWithStartWorkflowExecution({
          namespace: 'default',
          workflowId: 'sws',
          workflowType: { name: 't' },
          taskQueue: { name: 'q' },
        }),
      INVALID_ARGUMENT,
      /SignalName is not set/,
    ],
    [
      'query without a query type',
      () =>
        service().queryWorkflow({
          namespace: 'default',
          execution: { workflowId: runningId },
          query: {},
        }),
      INVALID_ARGUMENT,
      /QueryType is not set/,
    ],
    [
      'query an unknown workflow',
      () =>
        service().queryWorkflow({
          namespace: 'default',
          execution: { workflowId: 'ghost' },
          query: { queryType: 'q' },
        }),
      NOT_FOUND,
      /not found/,
    ],
    [
      'history of an unknown workflow',
      () =>
        service().getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /not found/,
    ],
    [
      'history with a forged page token',
      () =>
        service().getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: runningId },
          nextPageToken: Buffer.from('x'),
        }),
      INVALID_ARGUMENT,
      /not a page token/,
    ],
    [
      'workflow task completion with a garbage token',
      () => service().respondWorkflowTaskCompleted({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /not a workflow task token/,
    ],
    [
      'workflow task completion with a stale token',
      () =>
        service().respondWorkflowTaskCompleted({
          taskToken: staleToken('workflow'),
        }),
      NOT_FOUND,
      /Workflow task not found/,
    ],
    [
      'workflow task failure with a garbage token',
      () => service().respondWorkflowTaskFailed({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /not a workflow task token/,
    ],
    [
      'activity completion with a garbage token',
      () => service().respondActivityTaskCompleted({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /not a activity task token/,
    ],
    [
      'activity completion with a stale token',
      () =>
        service().respondActivityTaskCompleted({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /Activity task not found/,
    ],
    [
      'activity failure with a stale token',
      () =>
        service().respondActivityTaskFailed({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /Activity task not found/,
    ],
    [
      'activity heartbeat with a garbage token',
      () => service().recordActivityTaskHeartbeat({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /not a activity task token/,
    ],
    [
      'activity cancellation with a stale token',
      () =>
        service().respondActivityTaskCanceled({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /Activity task not found/,
    ],
    [
      'query answer for a query nobody waits on',
      () =>
        service().respondQueryTaskCompleted({ taskToken: staleToken('query') }),
      NOT_FOUND,
      /query not found/,
    ],
    [
      'workflow task poll without a task queue',
      () => service().pollWorkflowTaskQueue({ namespace: 'default' }),
      INVALID_ARGUMENT,
      /TaskQueue is not set/,
    ],
    [
      'activity task poll in an unknown namespace',
      () =>
        service().pollActivityTaskQueue({
          namespace: 'nope',
          taskQueue: { name: 'q' },
        }),
      NOT_FOUND,
      /Namespace nope/,
    ],
    [
      'list with a malformed query',
      () =>
        service().listWorkflowExecutions({
          namespace: 'default',
          query: `WorkflowId = `,
        }),
      INVALID_ARGUMENT,
      /invalid query: expected a value/,
    ],
    [
      'list with an unknown attribute',
      () =>
        service().listWorkflowExecutions({
          namespace: 'default',
          query: `Colour = 'red'`,
        }),
      INVALID_ARGUMENT,
      /unknown search attribute Colour/,
    ],
    [
      'count with an unterminated string',
      () =>
        service().countWorkflowExecutions({
          namespace: 'default',
          query: `WorkflowId = 'x`,
        }),
      INVALID_ARGUMENT,
      /unterminated string/,
    ],
    [
      'count grouped by an unsupported attribute',
      () =>
        service().countWorkflowExecutions({
          namespace: 'default',
          query: `GROUP BY WorkflowType`,
        }),
      INVALID_ARGUMENT,
      /GROUP BY supports only ExecutionStatus/,
    ],
    [
      'register an existing namespace',
      () =>
        service().registerNamespace({
          namespace: 'default',
          workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86400) },
        }),
      ALREADY_EXISTS,
      /Namespace "default" already exists/,
    ],
    [
      'register a namespace without a retention period',
      () => service().registerNamespace({ namespace: 'no-retention' }),
      INVALID_ARGUMENT,
      /A valid retention period is not set on request/,
    ],
    [
      'register a namespace without a name',
      () => service().registerNamespace({}),
      INVALID_ARGUMENT,
      /Namespace is not set/,
    ],
    [
      'describe an unknown namespace',
      () => service().describeNamespace({ namespace: 'nope' }),
      NOT_FOUND,
      /Namespace nope is not found/,
    ],
    [
      'update without an update ID',
      () =>
        service().updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: runningId },
          request: { input: { name: 'u' } },
        }),
      INVALID_ARGUMENT,
      /UpdateId is not set/,
    ],
    [
      'update a closed workflow',
      () =>
        service().updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
          request: { meta: { updateId: 'u1' }, input: { name: 'u' } },
        }),
      NOT_FOUND,
      /already completed/,
    ],
    [
      'poll an unknown update',
      () =>
        service().pollWorkflowExecutionUpdate({
          namespace: 'default',
          updateRef: {
            workflowExecution: { workflowId: runningId },
            updateId: 'ghost',
          },
        }),
      NOT_FOUND,
      /update ghost not found/,
    ],
    [
      'add a system search attribute',
      () =>
        operator().addSearchAttributes({
          namespace: 'default',
          searchAttributes: { WorkflowId: 2 },
        }),
      INVALID_ARGUMENT,
      /system attribute/,
    ],
    [
      'add no search attributes',
      () =>
        operator().addSearchAttributes({
          namespace: 'default',
          searchAttributes: {},
        }),
      INVALID_ARGUMENT,
      /searchAttributes is empty/,
    ],
    [
      'remove an unknown search attribute',
      () =>
        operator().removeSearchAttributes({
          namespace: 'default',
          searchAttributes: ['Nope'],
        }),
      NOT_FOUND,
      /Nope does not exist/,
    ],
    [
      'an RPC the dev server does not implement',
      () => service().resetWorkflowExecution({ namespace: 'default' }),
      UNIMPLEMENTED,
      /ResetWorkflowExecution is not implemented/,
    ],
  ];

  it.each(cases)('%s', async (_name, send, code, message) => {
    const error = await send().then(
      () => undefined,
      e => e,
    );
    expect(error).toBeDefined();
    expect({ code: error.code, details: error.details }).toEqual({
      code,
      details: expect.stringMatching(message),
    });
  });

  it('refuses a workflow task whose commands are invalid, records why, and applies none of them', async () => {
    const handle = await client.workflow.start('anything', {
      taskQueue: 'raw-worker',
      workflowId: 'bad-commands',
    });
    const task = await service().pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'raw-worker' },
      identity: 'test',
    });
    const refused = await service()
      .respondWorkflowTaskCompleted({
        taskToken: task.taskToken,
        commands: [
          {
            commandType: 3,
            startTimerCommandAttributes: {
              timerId: 't1',
              startToFireTimeout: { seconds: Long.fromNumber(60) },
            },
          },
          // An activity without any timeout.
          {
            commandType: 1,
            scheduleActivityTaskCommandAttributes: {
              activityId: 'a1',
              activityType: { name: 'x' },
              taskQueue: { name: 'raw-worker' },
            },
          },
        ],
      })
      .catch(e => e);
    expect(refused.code).toBe(INVALID_ARGUMENT);
    expect(refused.details).toMatch(
      /StartToClose or ScheduleToClose timeout is required/,
    );
    const events = (await handle.fetchHistory()).events!;
    const failed = events.find(e => e.eventType === 9)!; // WORKFLOW_TASK_FAILED
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(2); // BAD_SCHEDULE_ACTIVITY_ATTRIBUTES
    // Neither command was applied: no timer started.
    expect(events.some(e => e.eventType === 17)).toBe(false);
    // The refused task's token is spent.
    const again = await service()
      .respondWorkflowTaskCompleted({ taskToken: task.taskToken, commands: [] })
      .catch(e => e);
    expect(again.code).toBe(NOT_FOUND);
  });

  it('still serves after all of that', async () => {
    expect((await service().getSystemInfo({})).serverVersion).toContain('dev');
    expect(
      (await client.workflow.getHandle(runningId).describe()).status.name,
    ).toBe('RUNNING');
  });
});
