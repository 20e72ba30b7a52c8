/*
 * Versioning: recorded histories of representative runs (provision, update with rollback,
 * deprovision, drift repair, approval expiry) replay against the current workflow code. A change
 * that would break running workflows fails here; make it behind `patched()` instead.
 * `<run>.json` is the latest recording of a run; `<run>.before-<patch-id>.json` one made before
 * that patch, kept so the path that workflows started earlier still take keeps replaying.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../__testUtils__/resourceWorkflowHarness';
import { WORKFLOWS_PATH } from '../worker/workflowBundle';

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

describe('recorded workflow histories', () => {
  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  });

  it('keeps a history for each representative run', () => {
    expect(recorded.sort()).toEqual(
      expect.arrayContaining(REPRESENTATIVE.sort()),
    );
  });

  it.each(recorded)('replays %s without nondeterminism', async name => {
    const history = temporal.api.history.v1.History.fromObject(
      JSON.parse(
        fs.readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8'),
      ),
    );
    await expect(
      Worker.runReplayHistory(
        {
          workflowsPath: WORKFLOWS_PATH,
          replayName: `replay-${name}`,
        },
        history,
        `recorded-${name}`,
      ),
    ).resolves.toBeUndefined();
  });
});
