/*
 * Namespaces: those named at start and those registered through RegisterNamespace, each with what
 * its registration gave (description, owner, retention, data), described and listed as Temporal
 * does, and refused as Temporal refuses them.
 */
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import type { Plain } from './grpc/plain';
import { RpcError } from './grpc/serviceDefinition';
import { durationMs } from './history/time';

export interface NamespaceInfo {
  name: string;
  id: string;
  description: string;
  ownerEmail: string;
  retentionSeconds: number;
  data: Record<string, string>;
}

/** What a namespace named at start gets. */
const DEFAULT_RETENTION_SECONDS = 24 * 3600;
/** Temporal's system.namespaceMinRetentionLocal. */
const MIN_RETENTION_MS = 3600 * 1000;

export class Namespaces {
  private readonly byName = new Map<string, NamespaceInfo>();
  /** Called when a namespace is added, so a store can keep it. */
  onAdded: (info: NamespaceInfo) => void = () => {};

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): NamespaceInfo[] {
    return [...this.byName.values()];
  }

  /** Adds a namespace kept by a store, or named at start (then with defaults). */
  add(namespace: string | NamespaceInfo): void {
    const info =
      typeof namespace === 'string'
        ? {
            name: namespace,
            id: randomUUID(),
            description: '',
            ownerEmail: '',
            retentionSeconds: DEFAULT_RETENTION_SECONDS,
            data: {},
          }
        : namespace;
    if (this.byName.has(info.name)) return;
    this.byName.set(info.name, info);
    this.onAdded(info);
  }

  /** RegisterNamespace, checked in Temporal's order and words. */
  register(
    request: Plain<temporal.api.workflowservice.v1.IRegisterNamespaceRequest>,
  ): void {
    const name = request.namespace;
    if (typeof name !== 'string' || name === '')
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'Namespace is not set on request.',
      );
    const retentionMs = durationMs(request.workflowExecutionRetentionPeriod);
    if (retentionMs === undefined || retentionMs < MIN_RETENTION_MS)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'A valid retention period is not set on request.',
      );
    if (this.byName.has(name))
      throw new RpcError(
        grpc.status.ALREADY_EXISTS,
        `Namespace "${name}" already exists`,
      );
    this.add({
      name,
      id: randomUUID(),
      description: request.description ?? '',
      ownerEmail: request.ownerEmail ?? '',
      retentionSeconds: Math.floor(retentionMs / 1000),
      data: { ...request.data },
    });
  }

  /** A namespace by name or (DescribeNamespace's other way to ask) by ID. */
  find(ref: { name?: string; id?: string }): NamespaceInfo | undefined {
    if (ref.name) return this.byName.get(ref.name);
    return [...this.byName.values()].find(n => n.id === ref.id);
  }

  /** DescribeNamespace's answer, also each entry of ListNamespaces. */
  describe(info: NamespaceInfo) {
    return {
      namespaceInfo: {
        name: info.name,
        id: info.id,
        state: 'NAMESPACE_STATE_REGISTERED',
        description: info.description,
        ownerEmail: info.ownerEmail,
        data: info.data,
      },
      config: {
        workflowExecutionRetentionTtl: { seconds: info.retentionSeconds },
      },
      isGlobalNamespace: false,
    };
  }
}
