/*
 * The outputs update and deprovision share: which workflow took the request, and where to follow
 * it.
 */
import type { ResourceLinks } from './links';
import type { Zod } from './resourceInput';

export const acceptedOutput = {
  workflowId: (z: Zod) =>
    z.string().describe("The ID of the resource's Temporal workflow."),
  requestId: (z: Zod) =>
    z.string().describe('The ID of this request, as the API knows it.'),
  entityRef: (z: Zod) =>
    z.string().describe("The resource's catalog entity ref."),
  entityPageUrl: (z: Zod) =>
    z
      .string()
      .describe(
        "The resource's page in the catalog, where its progress shows.",
      ),
};

type Output = (name: any, value: string) => void;

export function outputAccepted(
  output: Output,
  answer: { workflowId: string; requestId: string },
  links: ResourceLinks,
) {
  output('workflowId', answer.workflowId);
  output('requestId', answer.requestId);
  output('entityRef', links.entityRef);
  output('entityPageUrl', links.entityPageUrl);
}
