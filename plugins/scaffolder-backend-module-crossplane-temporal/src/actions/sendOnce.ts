/*
 * A request to the API that a resumed task does not send again. The request ID is kept in a
 * checkpoint before the request goes out, and the answer in another once it comes back: a task
 * resumed after the answer reuses it without a call; one resumed in between sends the same
 * request ID again, which the API answers with the first outcome instead of doing it twice.
 */
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import type { RequestAcceptedAnswer } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { randomUUID } from 'node:crypto';

type CheckpointContext = Pick<ActionContext<any, any>, 'checkpoint'>;

export async function sendOnce(
  ctx: CheckpointContext,
  operation: 'provision' | 'update' | 'deprovision',
  send: (requestId: string) => Promise<RequestAcceptedAnswer>,
): Promise<RequestAcceptedAnswer> {
  const requestId = await ctx.checkpoint({
    key: `crossplane-temporal.${operation}.requestId`,
    fn: async () => `scaffolder-${randomUUID()}`,
  });
  const accepted = await ctx.checkpoint({
    key: `crossplane-temporal.${operation}.accepted`,
    fn: async () => (await send(requestId)) as unknown as JsonObject,
  });
  return accepted as unknown as RequestAcceptedAnswer;
}
