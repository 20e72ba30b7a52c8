/*
 * The benchmark's workflows: one activity; and three activities and a timer.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { touch } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
});

export async function oneActivity(i: number): Promise<number> {
  return await touch(i);
}

export async function threeActivitiesAndATimer(i: number): Promise<number> {
  await touch(i);
  await sleep(100);
  await touch(i);
  return await touch(i);
}
