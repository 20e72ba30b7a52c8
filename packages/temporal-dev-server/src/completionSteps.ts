/*
 * The order in which a workflow task's completion takes effect: its protocol messages (updates)
 * and its commands, interleaved as the Temporal server interleaves them.
 */
import { temporal } from '@temporalio/proto';
import type { Plain } from './grpc/plain';

const { CommandType } = temporal.api.enums.v1;

export type Command = Plain<temporal.api.command.v1.ICommand>;
export type ProtocolMessage = Plain<temporal.api.protocol.v1.IMessage>;

/** One thing a workflow task's completion does: handle a protocol message, or apply a command. */
export interface CompletionStep {
  command?: Command;
  /** A protocol message; with a ProtocolMessage command, the message it names (if present). */
  message?: ProtocolMessage;
}

/**
 * A completion's messages and commands in the order they take effect, as the Temporal server
 * orders them: a worker that sequences no message with a ProtocolMessage command has its messages
 * handled before its commands (it produced them first); otherwise each where its command names
 * it, and those no command names (rejections leave no event) after the commands.
 */
export function completionSteps(
  commands: Command[],
  messages: ProtocolMessage[],
): CompletionStep[] {
  const byId = new Map(messages.map(m => [m.id, m]));
  const steps: CompletionStep[] = [];
  const sequenced = commands.some(
    c => c.commandType === CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE,
  );
  if (!sequenced) {
    for (const message of byId.values()) steps.push({ message });
    byId.clear();
  }
  for (const command of commands) {
    if (command.commandType !== CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE) {
      steps.push({ command });
      continue;
    }
    const id = command.protocolMessageCommandAttributes?.messageId;
    steps.push({ command, message: byId.get(id) });
    byId.delete(id);
  }
  for (const message of byId.values()) steps.push({ message });
  return steps;
}
