/*
 * Every example in the actions' documentation runs: parsed as the scaffolder parses it, its input
 * is accepted by the action's own check and by the API's stand-in.
 */
import yaml from 'yaml';
import { contextFor } from '../__testUtils__/actionContext';
import { ref, spec, startFakeApi, testPolling } from '../__testUtils__/fakeApi';
import { createDeprovisionAction } from './deprovision';
import { examples as deprovisionExamples } from './deprovision.examples';
import { createProvisionAction } from './provision';
import { examples as provisionExamples } from './provision.examples';
import { createUpdateAction } from './update';
import { examples as updateExamples } from './update.examples';

// Each test starts a backend: seconds on a busy machine, well inside this budget.
jest.setTimeout(60_000);

/** An example's step input, with the form values a run would render filled in. */
function inputOf(example: string) {
  const rendered = example
    .replace(/\$\{\{ parameters\.location\.cluster \}\}/g, ref.cluster)
    .replace(/\$\{\{ parameters\.location\.namespace \}\}/g, ref.namespace)
    .replace(/\$\{\{ parameters\.name \}\}/g, ref.name)
    .replace(/\$\{\{ parameters\.owner \}\}/g, 'group:default/team-alpha')
    .replace(
      /\$\{\{ parameters\.component \}\}/g,
      'component:default/checkout-service',
    );
  const input = yaml.parse(rendered).steps[0].input;
  if (input.spec === '${{ parameters.spec }}') input.spec = spec;
  return input;
}

describe('action examples', () => {
  let started: Awaited<ReturnType<typeof startFakeApi>>;
  const options = () => ({
    api: started.api,
    appBaseUrl: 'http://localhost:3000',
    entityNamespace: 'default',
    polling: testPolling,
  });
  beforeEach(async () => {
    started = await startFakeApi({ provisionPhases: ['Pending', 'Ready'] });
  });
  afterEach(async () => {
    await started.backend.stop();
  });

  it.each(provisionExamples.map(e => [e.description, e.example]))(
    'provision: %s',
    async (_description, example) => {
      const { ctx } = contextFor(inputOf(example));
      await createProvisionAction(options()).handler(ctx);
      expect(started.fake.acceptedWrites()).toHaveLength(1);
    },
  );

  it('update and deprovision examples run against a provisioned resource', async () => {
    await createProvisionAction(options()).handler(
      contextFor(inputOf(provisionExamples[0].example)).ctx,
    );
    for (const example of updateExamples) {
      await createUpdateAction(options()).handler(
        contextFor(inputOf(example.example)).ctx,
      );
    }
    for (const example of deprovisionExamples) {
      await createDeprovisionAction(options()).handler(
        contextFor(inputOf(example.example)).ctx,
      );
    }
    expect(
      started.fake.acceptedWrites().map(c => c.path.split('/').pop()),
    ).toEqual(['provision', 'update', 'deprovision']);
  });
});
