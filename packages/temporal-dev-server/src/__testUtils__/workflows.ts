/*
 * Scenario workflows the worker tests run on the dev server. Bundled by the real Worker.
 */
import {
  ApplicationFailure,
  condition,
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
