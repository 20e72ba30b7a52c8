/*
 * What a dry run found, written to the task log for the template author: the object that would
 * be applied, what the composition would make (or a deprovision delete), and whether an approver
 * would have to decide first.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { DryRunAnswer } from '@crossplane-temporal/plugin-crossplane-temporal-common';

export function describeDryRun(logger: LoggerService, answer: DryRunAnswer) {
  const { ref, operation } = answer;
  const what = `${ref.kind} ${ref.namespace}/${ref.name} on ${ref.cluster}`;
  logger.info(
    `Dry run of ${operation} for ${what}: the cluster accepted it; nothing was written.`,
  );
  logger.info(
    `${
      operation === 'deprovision' ? 'It would delete' : 'It would apply'
    }:\n${JSON.stringify(answer.object, null, 2)}`,
  );
  const composed = answer.composed.map(
    c =>
      `${c.kind} (${c.apiVersion})${c.name ? ` ${c.name}` : ''}${
        c.namespace ? ` in ${c.namespace}` : ''
      }`,
  );
  logger.info(
    composed.length
      ? `${
          operation === 'deprovision'
            ? 'With it, these would be deleted'
            : 'The composition would make'
        }: ${composed.join(', ')}`
      : 'The composition would make no other resource.',
  );
  if (answer.approvalRequired) {
    logger.info(
      `The policy would hold the ${operation} until an approver decides.`,
    );
  }
}
