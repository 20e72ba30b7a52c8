/*
 * gRPC service definitions built from the message types that ship in @temporalio/proto, so the
 * wire format is exactly the SDK's: requests are decoded into protobuf messages, responses are
 * plain objects encoded through the same types.
 */
import * as grpc from '@grpc/grpc-js';
import type { AnyValue } from './any';
import type { Plain } from './plain';
import { reflection, type ProtoType } from './reflection';

export interface RpcMethod {
  name: string;
  path: string;
  requestType: ProtoType;
  responseType: ProtoType;
}

export function serviceMethods(serviceName: string): RpcMethod[] {
  const service = reflection.lookupService(serviceName);
  return Object.values(service.methods).map(method => {
    method.resolve();
    return {
      name: method.name,
      path: `/${serviceName}/${method.name}`,
      requestType: method.resolvedRequestType,
      responseType: method.resolvedResponseType,
    };
  });
}

export function serviceDefinition(
  methods: RpcMethod[],
): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const m of methods) {
    definition[m.name] = {
      path: m.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) =>
        Buffer.from(
          m.requestType.encode(m.requestType.fromObject(value)).finish(),
        ),
      // Plain objects with int64 as numbers: state built from requests can be saved and loaded.
      // Decoded from a copy: bytes fields are views into the buffer they were decoded from, and
      // a copy the size of the message keeps a stored payload from pinning a whole network read.
      requestDeserialize: (bytes: Buffer) =>
        m.requestType.toObject(m.requestType.decode(Buffer.from(bytes)), {
          longs: Number,
        }),
      responseSerialize: (value: object) =>
        Buffer.from(
          m.responseType.encode(m.responseType.fromObject(value)).finish(),
        ),
      responseDeserialize: (bytes: Buffer) => m.responseType.decode(bytes),
    };
  }
  return definition;
}

/** A gRPC error with a status code and a message that says what to do. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly details?: AnyValue,
  ) {
    super(message);
  }
}

/** An RPC's implementation: the request as decoded (see `Plain`), the call; resolves with the answer. */
export type Handler<Request = never> = (
  request: Request,
  call: grpc.ServerUnaryCall<Request, object>,
) => Promise<object>;

/** The RPCs of a protobufjs service class (`temporal.api.workflowservice.v1.WorkflowService`), by name. */
type RpcsOf<Service> = {
  [K in keyof Service as Service[K] extends {
    readonly name: infer Name extends string;
    readonly requestType: string;
  }
    ? Name
    : never]: Service[K];
};

type RequestOf<Rpc> = Rpc extends (request: infer Request) => Promise<unknown>
  ? Request
  : never;

/** Handlers of a service's RPCs, each taking its RPC's request type; those absent are unimplemented. */
export type ServiceHandlers<Service> = {
  [Name in keyof RpcsOf<Service>]?: Handler<
    Plain<RequestOf<RpcsOf<Service>[Name]>>
  >;
};

/** Handlers of any one service, by RPC name (see `ServiceHandlers`). */
export type AnyServiceHandlers = Partial<Record<string, Handler>>;

/** The fields by which an internal error's log line names the run a request was about. */
interface RequestNames {
  namespace?: string;
  workflowId?: string;
  execution?: { runId?: string; workflowId?: string };
  workflowExecution?: { runId?: string; workflowId?: string };
}

/** Every method of the service: implemented ones call their handler, others answer UNIMPLEMENTED. */
export function serviceImplementation(
  methods: RpcMethod[],
  handlers: AnyServiceHandlers,
  log: (msg: string, fields: object) => void,
  /** Runs before every answer, refusals too (the store writes what the request changed). */
  beforeAnswer: () => void = () => {},
): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const m of methods) {
    implementation[m.name] = (
      call: grpc.ServerUnaryCall<object, object>,
      callback: grpc.sendUnaryData<object>,
    ) => {
      const handler = handlers[m.name];
      if (!handler) {
        callback({
          code: grpc.status.UNIMPLEMENTED,
          details: `${m.name} is not implemented by this Temporal dev server`,
        });
        return;
      }
      // The request is what m.requestType decoded: the type this RPC's handler takes.
      const typedCall = call as grpc.ServerUnaryCall<never, object>;
      handler(typedCall.request, typedCall).then(
        response => {
          beforeAnswer();
          callback(null, response);
        },
        error => {
          // A refused request may still have changed state (a workflow task failed).
          beforeAnswer();
          if (error instanceof RpcError) {
            const metadata = new grpc.Metadata();
            if (error.details) {
              // Failure details travel as a google.rpc.Status in grpc-status-details-bin.
              const status = reflection.lookupType('google.rpc.Status');
              metadata.set(
                'grpc-status-details-bin',
                Buffer.from(
                  status
                    .encode(
                      status.fromObject({
                        code: error.code,
                        message: error.message,
                        details: [error.details],
                      }),
                    )
                    .finish(),
                ),
              );
            }
            callback({ code: error.code, details: error.message, metadata });
          } else {
            const request: RequestNames = typedCall.request ?? {};
            const execution = request.execution ?? request.workflowExecution;
            log('internal error', {
              rpc: m.name,
              namespace: request.namespace || undefined,
              workflowId:
                request.workflowId || execution?.workflowId || undefined,
              runId: execution?.runId || undefined,
              error: String((error as Error)?.stack ?? error),
            });
            callback({
              code: grpc.status.INTERNAL,
              details: `${m.name} failed inside the dev server; see its log`,
            });
          }
        },
      );
    };
  }
  return implementation;
}
