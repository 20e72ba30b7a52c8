/*
 * Bad input never crashes the server: each kind of malformed or inconsistent request gets the
 * gRPC status Temporal gives and a message that says what is wrong, and the server keeps serving.
 */
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { useDevServer } from './__testUtils__/devServer';
import { waitFor, type HistoryEvent } from './__testUtils__/history';
import { packAny } from './grpc/any';
import { encodeToken } from './taskTokens';

const {
  CommandType,
  EventType,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowTaskFailedCause,
} = temporal.api.enums.v1;
const REJECT_DUPLICATE =
  WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE;
const TERMINATE_IF_RUNNING =
  WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING;
const CONFLICT_FAIL = WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL;
const USE_EXISTING =
  WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
const TERMINATE_EXISTING =
  WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;

// grpc status codes
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;
const UNIMPLEMENTED = 12;

// Each test talks to a dev server started in this file: under a second on an idle
// machine; the budget leaves room for one several times busier.
jest.setTimeout(30_000);

describe('bad requests', () => {
  const dev = useDevServer();
  let completedId: string;
  let completedRunId: string;
  let runningId: string;
  let runningRunId: string;

  const service = () => dev.connection.workflowService;
  const operator = () => dev.connection.operatorService;

  beforeAll(async () => {
    runningId = 'bad-input-running';
    runningRunId = (
      await dev.client.workflow.start('anything', {
        taskQueue: 'nobody-polls',
        workflowId: runningId,
      })
    ).firstExecutionRunId;
    completedId = 'bad-input-terminated';
    const done = await dev.client.workflow.start('anything', {
      taskQueue: 'nobody-polls',
      workflowId: completedId,
    });
    completedRunId = done.firstExecutionRunId;
    await done.terminate('done');
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

  const signalWithStart = (fields: object) =>
    service().signalWithStartWorkflowExecution({
      namespace: 'default',
      workflowId: 'sws',
      workflowType: { name: 't' },
      taskQueue: { name: 'q' },
      signalName: 's',
      ...fields,
    });

  const unregistered = {
    indexedFields: { Nope: { data: Buffer.from('"x"') } },
  };

  // Each message is Temporal's own (its frontend's, history service's or persistence layer's
  // words), where this server does what Temporal does; the ones that name this dev server are
  // what Temporal implements and this server refuses.
  const cases: Array<[string, () => Promise<unknown>, number, RegExp]> = [
    [
      'start without a workflow ID',
      () => start({ workflowId: '' }),
      INVALID_ARGUMENT,
      /^WorkflowId is not set on request\.$/,
    ],
    [
      'start without a workflow type',
      () => start({ workflowType: {} }),
      INVALID_ARGUMENT,
      /^WorkflowType is not set on request\.$/,
    ],
    [
      'start without a task queue',
      () => start({ taskQueue: undefined }),
      INVALID_ARGUMENT,
      /^taskQueue is not set$/,
    ],
    [
      'start with a task queue without a name',
      () => start({ taskQueue: {} }),
      INVALID_ARGUMENT,
      /^missing task queue name$/,
    ],
    [
      'start in an unknown namespace',
      () => start({ namespace: 'nope' }),
      NOT_FOUND,
      /^Namespace nope is not found\./,
    ],
    [
      'start without a namespace',
      () => start({ namespace: '' }),
      INVALID_ARGUMENT,
      /^Namespace is not set on request\.$/,
    ],
    [
      'start with a negative run timeout',
      () => start({ workflowRunTimeout: { seconds: -5 } }),
      INVALID_ARGUMENT,
      /^An invalid WorkflowRunTimeoutSeconds is set on request\. cause: negative duration$/,
    ],
    [
      'start with a task timeout whose seconds and nanos disagree in sign',
      () => start({ workflowTaskTimeout: { seconds: 5, nanos: -1 } }),
      INVALID_ARGUMENT,
      /^An invalid WorkflowTaskTimeoutSeconds is set on request\. cause: duration has seconds and nanos with different signs$/,
    ],
    [
      'start of a running workflow ID',
      () => start({ workflowId: runningId }),
      ALREADY_EXISTS,
      /^Workflow execution is already running\. WorkflowId: bad-input-running, RunId: [-0-9a-f]+\.$/,
    ],
    [
      'start of a closed workflow ID whose reuse policy rejects duplicates',
      () =>
        start({
          workflowId: completedId,
          workflowIdReusePolicy: REJECT_DUPLICATE,
        }),
      ALREADY_EXISTS,
      /^Workflow execution already finished\. WorkflowId: bad-input-terminated, RunId: [-0-9a-f]+\. Workflow Id reuse policy: reject duplicate workflow Id\.$/,
    ],
    [
      'start with TERMINATE_IF_RUNNING and a conflict policy',
      () =>
        start({
          workflowIdReusePolicy: TERMINATE_IF_RUNNING,
          workflowIdConflictPolicy: USE_EXISTING,
        }),
      INVALID_ARGUMENT,
      /^Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy$/,
    ],
    [
      'start with REJECT_DUPLICATE and TERMINATE_EXISTING',
      () =>
        start({
          workflowIdReusePolicy: REJECT_DUPLICATE,
          workflowIdConflictPolicy: TERMINATE_EXISTING,
        }),
      INVALID_ARGUMENT,
      /^Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be used together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING$/,
    ],
    [
      'start with an unregistered search attribute',
      () => start({ searchAttributes: unregistered }),
      INVALID_ARGUMENT,
      /^search attribute Nope is not defined/,
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
      /^WorkflowType attribute can't be set in SearchAttributes$/,
    ],
    [
      'start with a cron schedule (not implemented)',
      () => start({ cronSchedule: '* * * * *' }),
      UNIMPLEMENTED,
      /^CronSchedule is not implemented by this Temporal dev server/,
    ],
    [
      'start with a workflow retry policy (not implemented)',
      () => start({ retryPolicy: { maximumAttempts: 3 } }),
      UNIMPLEMENTED,
      /^A workflow RetryPolicy is not implemented by this Temporal dev server/,
    ],
    [
      'describe without a workflow ID',
      () =>
        service().describeWorkflowExecution({
          namespace: 'default',
          execution: {},
        }),
      INVALID_ARGUMENT,
      /^WorkflowId is not set on request\.$/,
    ],
    [
      'describe an unknown workflow',
      () =>
        service().describeWorkflowExecution({
          namespace: 'default',
          execution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /^workflow not found for ID: ghost$/,
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
      /^workflow execution not found for workflow ID "bad-input-running" and run ID "00000000-0000-0000-0000-000000000000"$/,
    ],
    [
      'terminate a closed workflow',
      () =>
        service().terminateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
        }),
      NOT_FOUND,
      /^workflow execution already completed$/,
    ],
    [
      'cancel an unknown workflow',
      () =>
        service().requestCancelWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /^workflow not found for ID: ghost$/,
    ],
    [
      'cancel a closed workflow',
      () =>
        service().requestCancelWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: completedId },
        }),
      NOT_FOUND,
      /^workflow execution already completed$/,
    ],
    [
      'signal without a signal name',
      () =>
        service().signalWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: runningId },
        }),
      INVALID_ARGUMENT,
      /^SignalName is not set on request\.$/,
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
      /^workflow not found for ID: ghost$/,
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
      /^workflow execution already completed$/,
    ],
    [
      'signal-with-start without a signal name',
      () => signalWithStart({ signalName: '' }),
      INVALID_ARGUMENT,
      /^signal not set$/,
    ],
    [
      'signal-with-start without a workflow type',
      () => signalWithStart({ workflowType: {} }),
      INVALID_ARGUMENT,
      /^workflow type not set$/,
    ],
    [
      'signal-with-start with an unregistered search attribute',
      () => signalWithStart({ searchAttributes: unregistered }),
      INVALID_ARGUMENT,
      /^search attribute Nope is not defined/,
    ],
    [
      'signal-with-start of a running workflow with an unregistered search attribute',
      () =>
        signalWithStart({
          workflowId: runningId,
          searchAttributes: unregistered,
        }),
      INVALID_ARGUMENT,
      /^search attribute Nope is not defined/,
    ],
    [
      'signal-with-start with the FAIL conflict policy',
      () => signalWithStart({ workflowIdConflictPolicy: CONFLICT_FAIL }),
      INVALID_ARGUMENT,
      /^Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation\.$/,
    ],
    [
      'signal-with-start with TERMINATE_IF_RUNNING and a conflict policy',
      () =>
        signalWithStart({
          workflowIdReusePolicy: TERMINATE_IF_RUNNING,
          workflowIdConflictPolicy: USE_EXISTING,
        }),
      INVALID_ARGUMENT,
      /^Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy$/,
    ],
    [
      'signal-with-start of a closed workflow ID whose reuse policy rejects duplicates',
      () =>
        signalWithStart({
          workflowId: completedId,
          workflowIdReusePolicy: REJECT_DUPLICATE,
        }),
      ALREADY_EXISTS,
      /^Workflow execution already finished\. WorkflowId: bad-input-terminated, RunId: [-0-9a-f]+\. Workflow Id reuse policy: reject duplicate workflow Id\.$/,
    ],
    [
      'signal-with-start with a cron schedule (not implemented)',
      () => signalWithStart({ cronSchedule: '* * * * *' }),
      UNIMPLEMENTED,
      /^CronSchedule is not implemented by this Temporal dev server/,
    ],
    [
      'signal-with-start with a workflow retry policy (not implemented)',
      () => signalWithStart({ retryPolicy: {} }),
      UNIMPLEMENTED,
      /^A workflow RetryPolicy is not implemented by this Temporal dev server/,
    ],
    [
      'query without a query',
      () =>
        service().queryWorkflow({
          namespace: 'default',
          execution: { workflowId: runningId },
        }),
      INVALID_ARGUMENT,
      /^WorkflowQuery is not set on request\.$/,
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
      /^QueryType is not set on request\.$/,
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
      /^workflow not found for ID: ghost$/,
    ],
    [
      'query a workflow that closed before any worker ran it',
      () =>
        service().queryWorkflow({
          namespace: 'default',
          execution: { workflowId: completedId },
          query: { queryType: 'q' },
        }),
      FAILED_PRECONDITION,
      /^Workflow execution closed before WorkflowTaskStarted event$/,
    ],
    [
      'history of an unknown workflow',
      () =>
        service().getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: 'ghost' },
        }),
      NOT_FOUND,
      /^workflow not found for ID: ghost$/,
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
      /^Invalid NextPageToken\.$/,
    ],
    [
      'workflow task completion with a garbage token',
      () => service().respondWorkflowTaskCompleted({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /^Error deserializing task token\.$/,
    ],
    [
      'workflow task completion with a stale token',
      () =>
        service().respondWorkflowTaskCompleted({
          taskToken: staleToken('workflow'),
        }),
      NOT_FOUND,
      /^Workflow task not found\.$/,
    ],
    [
      'workflow task failure with a garbage token',
      () => service().respondWorkflowTaskFailed({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /^Error deserializing task token\.$/,
    ],
    [
      'activity completion with a garbage token',
      () => service().respondActivityTaskCompleted({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /^Error deserializing task token\.$/,
    ],
    [
      'activity completion for a closed workflow',
      () =>
        service().respondActivityTaskCompleted({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /^workflow execution already completed$/,
    ],
    [
      'activity completion for an activity the running workflow does not have',
      () =>
        service().respondActivityTaskCompleted({
          taskToken: encodeToken({
            kind: 'activity',
            namespace: 'default',
            workflowId: runningId,
            runId: runningRunId,
            scheduledEventId: 99,
            attempt: 1,
          }),
        }),
      NOT_FOUND,
      /^invalid activityID or activity already timed out or invoking workflow is completed$/,
    ],
    [
      'activity failure for a closed workflow',
      () =>
        service().respondActivityTaskFailed({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /^workflow execution already completed$/,
    ],
    [
      'activity heartbeat with a garbage token',
      () => service().recordActivityTaskHeartbeat({ taskToken: garbage }),
      INVALID_ARGUMENT,
      /^Error deserializing task token\.$/,
    ],
    [
      'activity cancellation for a closed workflow',
      () =>
        service().respondActivityTaskCanceled({
          taskToken: staleToken('activity'),
        }),
      NOT_FOUND,
      /^workflow execution already completed$/,
    ],
    [
      'query answer for a query nobody waits on',
      () =>
        service().respondQueryTaskCompleted({ taskToken: staleToken('query') }),
      NOT_FOUND,
      /^query task not found, or already expired$/,
    ],
    [
      'workflow task poll without a task queue',
      () => service().pollWorkflowTaskQueue({ namespace: 'default' }),
      INVALID_ARGUMENT,
      /^taskQueue is not set$/,
    ],
    [
      'activity task poll in an unknown namespace',
      () =>
        service().pollActivityTaskQueue({
          namespace: 'nope',
          taskQueue: { name: 'q' },
        }),
      NOT_FOUND,
      /^Namespace nope is not found\./,
    ],
    [
      'list with a malformed query',
      () =>
        service().listWorkflowExecutions({
          namespace: 'default',
          query: `WorkflowId = `,
        }),
      INVALID_ARGUMENT,
      /^invalid query: malformed SQL query: expected a value/,
    ],
    [
      'list with an unknown attribute',
      () =>
        service().listWorkflowExecutions({
          namespace: 'default',
          query: `Colour = 'red'`,
        }),
      INVALID_ARGUMENT,
      /^invalid query: invalid expression: column name 'Colour' is not a valid search attribute$/,
    ],
    [
      'count with an unterminated string',
      () =>
        service().countWorkflowExecutions({
          namespace: 'default',
          query: `WorkflowId = 'x`,
        }),
      INVALID_ARGUMENT,
      /^invalid query: malformed SQL query: unterminated string/,
    ],
    [
      'count grouped by an unsupported attribute',
      () =>
        service().countWorkflowExecutions({
          namespace: 'default',
          query: `GROUP BY WorkflowType`,
        }),
      INVALID_ARGUMENT,
      /^invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute WorkflowType$/,
    ],
    [
      'register an existing namespace',
      () =>
        service().registerNamespace({
          namespace: 'default',
          workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86400) },
        }),
      ALREADY_EXISTS,
      /^Namespace "default" already exists$/,
    ],
    [
      'register a namespace without a retention period',
      () => service().registerNamespace({ namespace: 'no-retention' }),
      INVALID_ARGUMENT,
      /^A valid retention period is not set on request\.$/,
    ],
    [
      'register a namespace without a name',
      () => service().registerNamespace({}),
      INVALID_ARGUMENT,
      /^Namespace is not set on request\.$/,
    ],
    [
      'describe an unknown namespace',
      () => service().describeNamespace({ namespace: 'nope' }),
      NOT_FOUND,
      /^Namespace nope is not found\./,
    ],
    [
      'update without its meta',
      () =>
        service().updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: runningId },
          request: { input: { name: 'u' } },
        }),
      INVALID_ARGUMENT,
      /^Update meta is not set on request\.$/,
    ],
    [
      'update without a name',
      () =>
        service().updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: runningId },
          request: { meta: { updateId: 'u0' }, input: {} },
        }),
      INVALID_ARGUMENT,
      /^Update name is not set on request\.$/,
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
      /^workflow execution already completed$/,
    ],
    [
      'poll an update without naming it',
      () => service().pollWorkflowExecutionUpdate({ namespace: 'default' }),
      INVALID_ARGUMENT,
      /^UpdateRef is not set on request\.$/,
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
      /^update "ghost" not found$/,
    ],
    [
      'add a system search attribute',
      () =>
        operator().addSearchAttributes({
          namespace: 'default',
          searchAttributes: { WorkflowId: 2 },
        }),
      INVALID_ARGUMENT,
      /^Search attribute WorkflowId is reserved by system\.$/,
    ],
    [
      'add a search attribute of an unknown type',
      () =>
        operator().addSearchAttributes({
          namespace: 'default',
          searchAttributes: {
            Colour: 99 as temporal.api.enums.v1.IndexedValueType,
          },
        }),
      INVALID_ARGUMENT,
      /^Unknown search attribute type: 99\.$/,
    ],
    [
      'add no search attributes',
      () =>
        operator().addSearchAttributes({
          namespace: 'default',
          searchAttributes: {},
        }),
      INVALID_ARGUMENT,
      /^SearchAttributes are not set on request\.$/,
    ],
    [
      'remove a system search attribute',
      () =>
        operator().removeSearchAttributes({
          namespace: 'default',
          searchAttributes: ['WorkflowId'],
        }),
      INVALID_ARGUMENT,
      /^Unable to remove non-custom search attributes: WorkflowId\.$/,
    ],
    [
      'remove no search attributes',
      () =>
        operator().removeSearchAttributes({
          namespace: 'default',
          searchAttributes: [],
        }),
      INVALID_ARGUMENT,
      /^SearchAttributes are not set on request\.$/,
    ],
    [
      'an RPC the dev server does not implement',
      () => service().resetWorkflowExecution({ namespace: 'default' }),
      UNIMPLEMENTED,
      /^ResetWorkflowExecution is not implemented by this Temporal dev server$/,
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

  // ---- Workflow task completions, driven by hand --------------------------------------------

  /** Starts a workflow on a queue of its own and takes its first workflow task. */
  const firstTask = async (workflowId: string) => {
    const taskQueue = `${workflowId}-worker`;
    const handle = await dev.client.workflow.start('anything', {
      taskQueue,
      workflowId,
    });
    const task = await service().pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'hand-worker',
    });
    return { handle, task };
  };
  const eventTypes = async (handle: { fetchHistory(): Promise<any> }) =>
    ((await handle.fetchHistory()).events as HistoryEvent[]).map(
      e => e.eventType,
    );

  const startTimer = (timerId: string) => ({
    commandType: CommandType.COMMAND_TYPE_START_TIMER,
    startTimerCommandAttributes: {
      timerId,
      startToFireTimeout: { seconds: Long.fromNumber(60) },
    },
  });
  const scheduleActivity = (activityId: string, timeouts = true) => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId,
      activityType: { name: 'x' },
      taskQueue: { name: 'nobody-polls' },
      ...(timeouts
        ? { startToCloseTimeout: { seconds: Long.fromNumber(60) } }
        : {}),
    },
  });

  // Each refused as a whole, before anything is written: the task fails with the cause, the RPC
  // answers INVALID_ARGUMENT with Temporal's message (the cause's short name, then why).
  const refusals: Array<[string, () => any[], any[], number, RegExp]> = [
    [
      'a timer, then the cancellation of an activity the workflow never scheduled',
      () => [
        startTimer('t1'),
        {
          commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
          requestCancelActivityTaskCommandAttributes: {
            scheduledEventId: Long.fromNumber(99),
          },
        },
      ],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
      /^BadRequestCancelActivityAttributes: invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: 99$/,
    ],
    [
      'a timer, then the cancellation of a timer the workflow never started',
      () => [
        startTimer('t1'),
        {
          commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER,
          cancelTimerCommandAttributes: { timerId: 't2' },
        },
      ],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
      /^BadCancelTimerAttributes: invalid history builder state for action: add-timer-canceled-event, TimerID: t2$/,
    ],
    [
      'a timer, then an activity without any timeout',
      () => [startTimer('t1'), scheduleActivity('a1', false)],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      /^BadScheduleActivityAttributes: a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity\. ActivityId=a1 ActivityType=x$/,
    ],
    [
      'two activities with one ID',
      () => [scheduleActivity('a1'), scheduleActivity('a1')],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
      /^ScheduleActivityDuplicateId: invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: a1$/,
    ],
    [
      'two timers with one ID',
      () => [startTimer('t1'), startTimer('t1')],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
      /^StartTimerDuplicateId: invalid history builder state for action: add-timer-started-event, TimerID: t1$/,
    ],
    [
      'a child workflow with a cron schedule (not implemented)',
      () => [
        startTimer('t1'),
        {
          commandType: CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
          startChildWorkflowExecutionCommandAttributes: {
            workflowId: 'child',
            workflowType: { name: 'anything' },
            cronSchedule: '* * * * *',
          },
        },
      ],
      [],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
      /^BadStartChildExecutionAttributes: CronSchedule is not implemented by this Temporal dev server/,
    ],
    [
      'a timer, then an answer to an update the workflow does not have',
      () => [startTimer('t1')],
      [
        {
          id: 'ghost/accept',
          protocolInstanceId: 'ghost',
          body: packAny('temporal.api.update.v1.Acceptance', {}),
        },
      ],
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
      /^BadUpdateWorkflowExecutionMessage: update ghost wasn't found on the server/,
    ],
  ];

  it.each(refusals)(
    'refuses a workflow task with %s, records why, and applies none of it',
    async (_name, commands, messages, cause, message) => {
      const { handle, task } = await firstTask(`refused-${randomUUID()}`);
      const refused = await service()
        .respondWorkflowTaskCompleted({
          taskToken: task.taskToken,
          identity: 'hand-worker',
          commands: commands(),
          messages,
        })
        .catch(e => e);
      expect({ code: refused.code, details: refused.details }).toEqual({
        code: INVALID_ARGUMENT,
        details: expect.stringMatching(message),
      });
      const events: HistoryEvent[] = (await handle.fetchHistory()).events!;
      // Nothing of the task was written, only its failure, which says what the RPC said.
      expect(events.map(e => e.eventType)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      ]);
      const failed = events[3].workflowTaskFailedEventAttributes!;
      expect(failed.cause).toBe(cause);
      expect(failed.failure?.message).toBe(refused.details);
      // The run is not stuck: its next attempt waits for a worker.
      await waitFor(
        'the next attempt of the refused workflow task',
        async () =>
          (await handle.describe()).raw.pendingWorkflowTask?.attempt === 2,
      );
      // The refused task's token is spent.
      const again = await service()
        .respondWorkflowTaskCompleted({ taskToken: task.taskToken })
        .catch(e => e);
      expect(again.code).toBe(NOT_FOUND);
    },
  );

  it('takes a timer started and cancelled in one workflow task', async () => {
    const { handle, task } = await firstTask(
      `start-and-cancel-${randomUUID()}`,
    );
    await service().respondWorkflowTaskCompleted({
      taskToken: task.taskToken,
      identity: 'hand-worker',
      commands: [
        startTimer('t1'),
        {
          commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER,
          cancelTimerCommandAttributes: { timerId: 't1' },
        },
        // Its ID is free again.
        startTimer('t1'),
      ],
    });
    expect((await eventTypes(handle)).slice(3)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_TIMER_STARTED,
      EventType.EVENT_TYPE_TIMER_CANCELED,
      EventType.EVENT_TYPE_TIMER_STARTED,
    ]);
  });

  it('refuses commands after the one that closes the workflow without writing anything, as Temporal does', async () => {
    const { handle, task } = await firstTask(`after-close-${randomUUID()}`);
    const refused = await service()
      .respondWorkflowTaskCompleted({
        taskToken: task.taskToken,
        identity: 'hand-worker',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
            completeWorkflowExecutionCommandAttributes: {},
          },
          startTimer('t1'),
        ],
      })
      .catch(e => e);
    expect({ code: refused.code, details: refused.details }).toEqual({
      code: INVALID_ARGUMENT,
      details:
        'invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command.',
    });
    expect(await eventTypes(handle)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
    // The task is still the worker's: a valid answer completes it.
    await service().respondWorkflowTaskCompleted({
      taskToken: task.taskToken,
      identity: 'hand-worker',
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
          completeWorkflowExecutionCommandAttributes: {},
        },
      ],
    });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('still serves after all of that', async () => {
    expect((await service().getSystemInfo({})).serverVersion).toContain('dev');
    expect(
      (await dev.client.workflow.getHandle(runningId).describe()).status.name,
    ).toBe('RUNNING');
  });
});
