/*
 * The workflow ID reuse and conflict policies a start request names, as the numbers the
 * requests carry.
 */
import { temporal } from '@temporalio/proto';

const Reuse = temporal.api.enums.v1.WorkflowIdReusePolicy;
const Conflict = temporal.api.enums.v1.WorkflowIdConflictPolicy;

export const ALLOW_DUPLICATE_FAILED_ONLY =
  Reuse.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY;
export const REJECT_DUPLICATE = Reuse.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE;
export const TERMINATE_IF_RUNNING =
  Reuse.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING;

export const CONFLICT_FAIL = Conflict.WORKFLOW_ID_CONFLICT_POLICY_FAIL;
export const CONFLICT_USE_EXISTING =
  Conflict.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
export const CONFLICT_TERMINATE_EXISTING =
  Conflict.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;
