import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject } from '@backstage/types';

export const alice = mockCredentials.user('user:default/alice');

/** A mocked action context acting for alice, with a logger whose lines tests can read. */
export function contextFor(
  input: JsonObject,
  extra: Record<string, unknown> = {},
) {
  const logger = mockServices.logger.mock();
  const ctx = {
    ...createMockActionContext({ input }),
    logger,
    getInitiatorCredentials: async () => alice,
    ...extra,
  };
  return { ctx: ctx as any, logger };
}

/** The lines a mocked logger was given at info level. */
export function infoLines(logger: ReturnType<typeof mockServices.logger.mock>) {
  return logger.info.mock.calls.map(([line]) => line as string);
}

/** What a mocked context's `output` was called with, by name. */
export function outputsOf(ctx: { output: jest.Mock }) {
  return Object.fromEntries(ctx.output.mock.calls);
}
