/*
 * Where an OperatorService request enters: custom search attributes. Other operator RPCs answer
 * UNIMPLEMENTED, naming the RPC.
 */
import * as grpc from '@grpc/grpc-js';
import type { temporal } from '@temporalio/proto';
import { RpcError, type ServiceHandlers } from './grpc/serviceDefinition';
import type { Namespaces } from './Namespaces';
import type { Visibility } from './visibility/Visibility';

export function operatorServiceHandlers(options: {
  namespaces: Namespaces;
  visibility: Visibility;
}): ServiceHandlers<temporal.api.operatorservice.v1.OperatorService> {
  const { namespaces, visibility } = options;
  const namespaceOf = (request: { namespace?: string }) => {
    const namespace = request.namespace || 'default';
    if (!namespaces.has(namespace))
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Namespace ${namespace} is not found.`,
      );
    return namespace;
  };
  const notSet = () =>
    new RpcError(
      grpc.status.INVALID_ARGUMENT,
      'SearchAttributes are not set on request.',
    );
  return {
    async AddSearchAttributes(request) {
      const attributes = request.searchAttributes ?? {};
      if (Object.keys(attributes).length === 0) throw notSet();
      visibility.register(namespaceOf(request), attributes);
      return {};
    },

    async RemoveSearchAttributes(request) {
      const names = request.searchAttributes ?? [];
      if (names.length === 0) throw notSet();
      visibility.remove(namespaceOf(request), names);
      return {};
    },

    async ListSearchAttributes(request) {
      return {
        customAttributes: visibility.customAttributes(namespaceOf(request)),
        systemAttributes: visibility.systemAttributes(),
        storageSchema: {},
      };
    },
  };
}
