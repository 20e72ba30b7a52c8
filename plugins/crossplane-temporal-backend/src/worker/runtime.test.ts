/*
 * The SDK's process-wide runtime as the worker installs it: the SDK core's own logs reach the
 * Backstage logger as structured entries, at the configured level.
 */
import { Worker } from '@temporalio/worker';
import { readRecordedHistory } from '../__testUtils__/resourceWorkflowHarness';
import { installTemporalRuntime } from './runtime';
import { workflowsPath } from './workflowBundle';

jest.setTimeout(60_000);

type Entry = { level: string; message: string; fields: Record<string, any> };

function capturingLogger(entries: Entry[]) {
  const at =
    (level: string) => (message: string, fields?: Record<string, any>) =>
      entries.push({ level, message, fields: fields ?? {} });
  const logger = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger;
}

describe('installTemporalRuntime', () => {
  const entries: Entry[] = [];

  beforeAll(() => {
    installTemporalRuntime({
      logger: capturingLogger(entries),
      sdkLogLevel: 'INFO',
    });
  });

  it("sends the SDK core's logs to the Backstage logger", async () => {
    // A replay runs a worker, which the core logs at INFO as it initialises it.
    await Worker.runReplayHistory(
      { workflowsPath: workflowsPath(), replayName: 'runtime-logging' },
      readRecordedHistory('provision'),
      'runtime-logging',
    );
    const fromCore = () =>
      entries.filter(
        e =>
          e.fields.sdkComponent === 'core' &&
          /Initializing worker/.test(e.message),
      );
    // The core hands its logs over in batches; wait for this one.
    await waitFor(() => fromCore().length > 0);
    expect(fromCore()[0]).toMatchObject({
      level: 'info',
      fields: { taskQueue: 'runtime-logging-0', namespace: 'default' },
    });
  });

  it('says so when asked again with other settings, which it cannot apply', () => {
    const later: Entry[] = [];
    installTemporalRuntime({
      logger: capturingLogger(later),
      sdkLogLevel: 'DEBUG',
    });
    expect(later).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(/already installed/),
        fields: { prometheusBindAddress: 'off', sdkLogLevel: 'INFO' },
      },
    ]);
    installTemporalRuntime({
      logger: capturingLogger(later),
      sdkLogLevel: 'INFO',
    });
    expect(later).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
