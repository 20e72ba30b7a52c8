/*
 * A pre-built workflow bundle that cannot be used stops the worker at start with the config key
 * and the path, before the SDK would fail on it with an error of its own; one the build wrote is
 * accepted.
 */
import { ConfigReader } from '@backstage/config';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '@crossplane-temporal/temporal-dev-server';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../__testUtils__/spawnWorkerProcess';
import type { ResourceActivities } from '../activities/types';
import { connectWorker, createResourceWorker } from './createResourceWorker';
import { readTemporalSettings } from './temporalConfig';
import { checkWorkflowBundle } from './workflowBundle';

jest.setTimeout(60_000);

const KEY = 'crossplaneTemporal.temporal.worker.workflowBundlePath';

describe('the pre-built workflow bundle', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-bundle-check-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Why `checkWorkflowBundle` refuses `file`. */
  const refusal = (file: string) =>
    checkWorkflowBundle(file).then(
      () => {
        throw new Error(`expected ${file} to be refused`);
      },
      (error: Error) => error.message,
    );

  it('is refused with the config key, the path and where bundles come from when it is missing, not a file, or not a bundle', async () => {
    const missing = path.join(dir, 'missing.js');
    expect(await refusal(missing)).toBe(
      `${KEY}: cannot read the workflow bundle ${missing}: ENOENT; the build packs it as plugins/crossplane-temporal-backend/dist/workflow-bundle.js (\`yarn build:backend\`, \`yarn workspace @crossplane-temporal/worker build\`), and a relative path is resolved against the directory the process runs in, ${process.cwd()}`,
    );
    expect(await refusal(dir)).toMatch(
      `${KEY}: cannot read the workflow bundle ${dir}: EISDIR; the build packs it`,
    );
    // What a build that stopped half-way, or the plugin's compiled code, would leave there.
    const notABundle = path.join(dir, 'index.cjs.js');
    fs.writeFileSync(notABundle, "'use strict';\nmodule.exports = {};\n");
    expect(await refusal(notABundle)).toMatch(
      `${KEY}: ${notABundle} is not a workflow bundle (a bundle ends with its inline source map); the build packs it`,
    );
  });

  it('is read from a path relative to the directory the process runs in', () => {
    const settings = readTemporalSettings(
      new ConfigReader({
        crossplaneTemporal: {
          temporal: {
            worker: {
              workflowBundlePath:
                'plugins/crossplane-temporal-backend/dist/workflow-bundle.js',
            },
          },
        },
      }),
    );
    expect(settings.worker.workflowBundlePath).toBe(
      path.join(
        process.cwd(),
        'plugins/crossplane-temporal-backend/dist/workflow-bundle.js',
      ),
    );
  });

  it('is accepted as the build writes it', async () => {
    const built = await writeWorkflowBundle(
      path.join(dir, 'workflow-bundle.js'),
    );
    await expect(checkWorkflowBundle(built)).resolves.toBeUndefined();
  });

  describe('at worker start', () => {
    let temporal: TemporalDevServer;

    beforeAll(async () => {
      temporal = await startTemporalDevServer({ logLevel: 'error' });
    });

    afterAll(async () => {
      await temporal?.stop();
    });

    it('keeps the worker from being created when it cannot be read', async () => {
      const missing = path.join(dir, 'not-built', 'workflow-bundle.js');
      const settings = readTemporalSettings(
        new ConfigReader({
          crossplaneTemporal: {
            temporal: {
              address: temporal.address,
              taskQueue: 'bundle-check',
              worker: { workflowBundlePath: missing },
            },
          },
        }),
      );
      const connection = await connectWorker(settings);
      try {
        await expect(
          createResourceWorker(connection, {
            settings,
            activities: {} as ResourceActivities,
          }),
        ).rejects.toThrow(
          `${KEY}: cannot read the workflow bundle ${missing}: ENOENT`,
        );
      } finally {
        await connection.close();
      }
    });
  });
});
