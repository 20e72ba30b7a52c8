/*
 * The SDK's process-wide runtime as the worker installs it: the SDK core's own logs reach the
 * Backstage logger as structured entries, at the configured level.
 */
import { Worker } from '@temporalio/worker';
import { recordingLogger } from '../__testUtils__/recordingLogger';
import { readRecordedHistory } from '../__testUtils__/resourceWorkflowHarness';
import { installTemporalRuntime } from './runtime';
import { workflowsPath } from './workflowBundle';

jest.setTimeout(60_000);

describe('installTemporalRuntime', () => {
  const logger = recordingLogger();

  beforeAll(() => {
    installTemporalRuntime({ logger, sdkLogLevel: 'INFO' });
  });

  it("sends the SDK core's logs to the Backstage logger", async () => {
    // A replay runs a worker, which the core logs at INFO as it initialises it.
    await Worker.runReplayHistory(
      { workflowsPath: workflowsPath(), replayName: 'runtime-logging' },
      readRecordedHistory('provision'),
      'runtime-logging',
    );
    // The core hands its logs over in batches; wait for this one.
    const fromCore = await logger.logged(
      line =>
        line.fields.sdkComponent === 'core' &&
        /Initializing worker/.test(line.message),
    );
    expect(fromCore).toMatchObject({
      level: 'info',
      fields: { taskQueue: 'runtime-logging-0', namespace: 'default' },
    });
  });

  it('says so when asked again with other settings, which it cannot apply', () => {
    const later = recordingLogger();
    installTemporalRuntime({ logger: later, sdkLogLevel: 'DEBUG' });
    expect(later.lines).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(/already installed/),
        fields: { prometheusBindAddress: 'off', sdkLogLevel: 'INFO' },
      },
    ]);
    installTemporalRuntime({ logger: later, sdkLogLevel: 'INFO' });
    expect(later.lines).toHaveLength(1);
  });
});
