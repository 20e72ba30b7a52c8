/*
 * Command types as this server knows them (temporal.api.enums.v1.CommandType): which it applies,
 * which close the workflow, and their names as Temporal's messages print them.
 */
import { temporal } from '@temporalio/proto';

const { CommandType } = temporal.api.enums.v1;

/** What this server applies (Nexus operations are not among them). */
const IMPLEMENTED = new Set<number>([
  CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_START_TIMER,
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_TIMER,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_RECORD_MARKER,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE,
  CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
]);

const CLOSING = new Set<number>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

export const isImplementedCommand = (type: number | undefined) =>
  IMPLEMENTED.has(type ?? 0);

export const closesWorkflow = (type: number | undefined) =>
  CLOSING.has(type ?? 0);

/** An enum value's short name, as Temporal's Go enums print it: START_TIMER → StartTimer. */
export function shortName(screaming: string): string {
  return screaming
    .toLowerCase()
    .split('_')
    .map(word => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** A command type's short name ("StartTimer"); the number of one this server does not apply. */
export function commandName(type: number | undefined) {
  return type !== undefined && IMPLEMENTED.has(type)
    ? shortName(CommandType[type].replace(/^COMMAND_TYPE_/, ''))
    : type;
}
