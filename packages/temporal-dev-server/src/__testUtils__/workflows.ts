/*
 * Scenario workflows the worker tests run on the dev server. Bundled by the real Worker.
 */
import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type * as activities from './activities';

const { greet, flaky, refuse } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '10 ms',
    backoffCoefficient: 1,
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['Refused'],
  },
});

export async function greeting(name: string): Promise<string> {
  return await greet(name);
}

export async function napping(ms: number): Promise<string> {
  await sleep(ms);
  return 'rested';
}

export const approve = defineSignal<[string]>('approve');

export async function awaitingApproval(): Promise<string> {
  let approver: string | undefined;
  setHandler(approve, name => {
    approver = name;
  });
  await condition(() => approver !== undefined);
  return `approved by ${approver}`;
}

export async function retrying(failures: number): Promise<string> {
  return await flaky(failures);
}

export async function refused(): Promise<string> {
  return await refuse();
}

export async function failing(): Promise<string> {
  throw ApplicationFailure.create({
    type: 'QuotaExceeded',
    message: 'no more databases in this region',
    nonRetryable: true,
  });
}

export const increment = defineSignal<[number]>('increment');
export const countQuery = defineQuery<number>('count');

/** Counts signals until asked to stop or a minute passes, answering queries meanwhile. */
export async function counting(stopAt: number): Promise<number> {
  let count = 0;
  setHandler(increment, by => {
    count += by;
  });
  setHandler(countQuery, () => count);
  // A condition with a timeout starts a timer, cancelled when the condition holds first.
  await condition(() => count >= stopAt, '1 minute');
  return count;
}
