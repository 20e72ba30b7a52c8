/*
 * A stand-in resource workflow for the change feed's test: it keeps the search attributes
 * current on every phase change, as the resource workflow is to (behind a patch), and answers
 * the status query as the resource workflow does.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  condition,
  defineSignal,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ResourcePhase,
  ResourceRef,
  ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { statusQuery } from '../../workflows/definitions';
import { resourceSearchAttributes } from '../../searchAttributes';

export const phaseSignal = defineSignal<[ResourcePhase]>('phase');

export async function resourceWorkflow(input: {
  ref: ResourceRef;
}): Promise<ResourceStatus> {
  let phase: ResourcePhase = 'Pending';
  const steps: ResourceStatus['steps'] = [];
  const status = (): ResourceStatus => ({
    ref: input.ref,
    workflowId: workflowInfo().workflowId,
    phase,
    owner: 'group:default/team-alpha',
    conditions: [],
    steps,
  });
  setHandler(phaseSignal, next => {
    phase = next;
    const at = new Date();
    steps.push({
      seq: steps.length + 1,
      at: at.toISOString(),
      step: next,
      outcome: 'info',
      message: next,
    });
    upsertSearchAttributes(
      resourceSearchAttributes({
        ref: input.ref,
        phase: next,
        at,
      }) as SearchAttributeUpdatePair[],
    );
  });
  setHandler(statusQuery, status);
  await condition(() => phase === 'Deleted');
  return status();
}
