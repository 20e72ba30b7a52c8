/*
 * The module in a backend that has no source for it yet: it starts, registers nothing that
 * would empty the catalog, and says why in the log.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { recordingLogger, recordingMetrics } from './__testUtils__/recordingServices';
import { catalogModuleCrossplaneTemporal } from './module';

jest.setTimeout(120_000);

describe('the module without sources', () => {
  it('starts cleanly and says that nothing feeds it', async () => {
    const logger = recordingLogger();
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleCrossplaneTemporal,
        logger.factory,
        recordingMetrics().factory,
        mockServices.rootConfig.factory({ data: { app: { baseUrl: 'http://localhost:3000' } } }),
      ],
    });
    try {
      expect(
        logger.lines.filter(l => l.level === 'warn' && /source is set/.test(l.message)).map(l => l.message),
      ).toEqual([
        'no XRD source is set, so no template is made from XRDs: install the module that provides it',
        'no resource source is set, so resources get no Resource entity: install the module that provides it',
      ]);
    } finally {
      await backend.stop();
    }
  });
});
