/*
 * Versioning: recorded histories of representative runs (provision, update with rollback,
 * deprovision, drift repair, approval expiry) replay against the current workflow code. A change
 * that would break running workflows fails here; make it behind `patched()` instead.
 * `<run>.json` is the latest recording of a run; `<run>.before-<patch-id>.json` one made before
 * that patch, kept so the path that workflows started earlier still take keeps replaying.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import {
  HISTORIES_DIR,
  historyTheCodeWouldNotMake,
  readRecordedHistory,
} from '../__testUtils__/resourceWorkflowHarness';
import { workflowsPath } from '../worker/workflowBundle';

jest.setTimeout(120_000);

const REPRESENTATIVE = [
  'provision',
  'update-rolled-back',
  'deprovision',
  'drift-repair',
  'approval-expired',
];

const recorded = fs
  .readdirSync(HISTORIES_DIR)
  .filter(f => f.endsWith('.json'))
  .map(f => path.basename(f, '.json'));

function replay(history: temporal.api.history.v1.IHistory, name: string) {
  return Worker.runReplayHistory(
    { workflowsPath: workflowsPath(), replayName: `replay-${name}` },
    history,
    `recorded-${name}`,
  );
}

describe('recorded workflow histories', () => {
  beforeAll(() => {
    // The SDK's own warning about the history refused below is expected; errors only.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: {
        logging: { forward: {}, filter: { core: 'ERROR', other: 'ERROR' } },
      },
    });
  });

  it('keeps a history for each representative run', () => {
    expect(recorded.sort()).toEqual(
      expect.arrayContaining(REPRESENTATIVE.sort()),
    );
  });

  it.each(recorded)('replays %s without nondeterminism', async name => {
    await expect(
      replay(readRecordedHistory(name), name),
    ).resolves.toBeUndefined();
  });

  // The check above can fail: a history whose commands differ from what the code does now (as
  // after an unpatched change that schedules another activity) is refused as nondeterministic.
  it('refuses a history the current code would not have made', async () => {
    await expect(
      replay(historyTheCodeWouldNotMake(), 'provision-altered'),
    ).rejects.toThrow(/nondetermin/i);
  });
});
