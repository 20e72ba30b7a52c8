/**
 * An object as the API serves it.
 *
 * @public
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** @public */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
  managedFields?: ManagedFieldsEntry[];
  generateName?: string;
  [key: string]: unknown;
}

/** @public */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** What a resource type is, as discovery describes it. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Kinds with a status subresource ignore status on the main resource, and spec on /status. */
  hasStatus: boolean;
  categories?: string[];
  shortNames?: string[];
  /** What discovery says the type supports. Default: every verb of a stored type. */
  verbs?: string[];
  /** Subresources other than status, as discovery lists them. */
  subresources?: Array<{
    name: string;
    group: string;
    version: string;
    kind: string;
    verbs: string[];
  }>;
  /** A CRD version's additionalPrinterColumns, for Table output. */
  printerColumns?: PrinterColumn[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** @public */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** @public */
export interface StoredEvent {
  type: WatchEventType;
  object: KubeObject;
  resourceVersion: number;
}
