/*
 * Task tokens: opaque to workers, they name the task a worker answers for.
 */
import * as grpc from '@grpc/grpc-js';
import { RpcError } from './grpc/serviceDefinition';

export interface TaskToken {
  kind: 'workflow' | 'activity' | 'query';
  queryId?: string;
  namespace: string;
  workflowId: string;
  runId: string;
  scheduledEventId: number;
  attempt: number;
}

export const encodeToken = (token: TaskToken) =>
  Buffer.from(JSON.stringify(token));

export function decodeToken(
  bytes: Uint8Array | undefined,
  kind: TaskToken['kind'],
): TaskToken {
  try {
    const token = JSON.parse(
      Buffer.from(bytes ?? []).toString('utf8'),
    ) as TaskToken;
    if (token.kind === kind) return token;
  } catch {
    // Reported below.
  }
  // Temporal's words for a token it cannot read.
  throw new RpcError(
    grpc.status.INVALID_ARGUMENT,
    'Error deserializing task token.',
  );
}
