/*
 * The parts of the workflow API the resource's operations use, behind one small interface, so the
 * operations can run in unit tests with a stand-in clock and without a worker.
 */
import { condition, log, patched } from '@temporalio/workflow';
import type { PatchId } from './patches';

export interface WorkflowRuntime {
  /** `patched()`: whether this run takes the path of a change (see patches.ts). */
  patched(patchId: PatchId): boolean;
  /** `condition()` with a timeout: true once `fn` holds, false when the timeout passed first. */
  condition(fn: () => boolean, timeoutMs: number): Promise<boolean>;
  /** The workflow's clock, in milliseconds (deterministic in a workflow). */
  now(): number;
  warn(message: string, attributes: Record<string, unknown>): void;
}

/** The real thing, inside a workflow. */
export const temporalRuntime: WorkflowRuntime = {
  patched,
  condition: (fn, timeoutMs) => condition(fn, timeoutMs),
  now: () => Date.now(),
  warn: (message, attributes) => log.warn(message, attributes),
};
