/*
 * google.protobuf.Any values, packed and unpacked through the message types of @temporalio/proto.
 * (protobufjs names the field `type_url`, as the .proto file does.)
 */
import root from '@temporalio/proto';

export interface AnyValue {
  type_url: string;
  value: Uint8Array;
}

const PREFIX = 'type.googleapis.com/';

export function packAny(typeName: string, message: object): AnyValue {
  const type = (root as any).lookupType(typeName);
  return {
    type_url: `${PREFIX}${typeName}`,
    value: type.encode(type.fromObject(message)).finish(),
  };
}

/** The type name and decoded message of an Any; undefined when the type is unknown. */
export function unpackAny(
  any: Partial<AnyValue> | undefined,
): { typeName: string; message: any } | undefined {
  const url = any?.type_url ?? '';
  const typeName = url.slice(url.lastIndexOf('/') + 1);
  try {
    const type = (root as any).lookupType(typeName);
    return { typeName, message: type.decode(any!.value ?? new Uint8Array()) };
  } catch {
    return undefined;
  }
}
