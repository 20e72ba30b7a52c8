/*
 * The protobufjs reflection root of @temporalio/proto: its message types and services, looked up
 * by their full names. The package's typings declare the generated namespaces only, so the part of
 * the root this server uses is declared here.
 */
import root from '@temporalio/proto';

/** The part of a protobufjs message type this server uses. */
export interface ProtoType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(value: object): object;
  toObject(message: object, options: { longs: NumberConstructor }): object;
}

/** A protobufjs service method; its types are known once resolved. */
interface ProtoMethod {
  name: string;
  resolve(): void;
  resolvedRequestType: ProtoType;
  resolvedResponseType: ProtoType;
}

interface ProtoRoot {
  lookupType(name: string): ProtoType;
  lookupService(name: string): { methods: Record<string, ProtoMethod> };
}

export const reflection = root as unknown as ProtoRoot;
