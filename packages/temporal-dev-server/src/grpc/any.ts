/*
 * google.protobuf.Any values, packed and unpacked through the message types of @temporalio/proto.
 * (protobufjs names the field `type_url`, as the .proto file does.)
 */
import { reflection } from './reflection';

export interface AnyValue {
  type_url: string;
  value: Uint8Array;
}

const PREFIX = 'type.googleapis.com/';

export function packAny(typeName: string, message: object): AnyValue {
  const type = reflection.lookupType(typeName);
  return {
    type_url: `${PREFIX}${typeName}`,
    value: type.encode(type.fromObject(message)).finish(),
  };
}

/**
 * The type name and message of an Any, decoded as requests are (a plain object of that type, see
 * `Plain`); undefined when the type is unknown.
 */
export function unpackAny(
  any: Partial<AnyValue> | undefined,
): { typeName: string; message: object } | undefined {
  const url = any?.type_url ?? '';
  const typeName = url.slice(url.lastIndexOf('/') + 1);
  try {
    const type = reflection.lookupType(typeName);
    const decoded = type.decode(any!.value ?? new Uint8Array());
    return { typeName, message: type.toObject(decoded, { longs: Number }) };
  } catch {
    return undefined;
  }
}
