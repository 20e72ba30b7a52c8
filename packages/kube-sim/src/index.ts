/**
 * A Kubernetes API server with simulated Crossplane controllers and provider, for local
 * development and tests.
 *
 * @packageDocumentation
 */
export { startKubeSim, DEFAULT_FIXTURES } from './startKubeSim';
export type { KubeSim, KubeSimOptions } from './startKubeSim';
export { KubeSimAdminClient } from './admin/KubeSimAdminClient';
export type { ObjectSelector } from './admin/KubeSimAdminClient';
export type { LogLevel } from './logger';
export type { AuditRecord } from './api/audit';
export type { TokenRequestSpec } from './api/tokenRequests';
export type { ClientCertificate } from './auth/clientCertificates';
export type { IssuedToken } from './auth/serviceAccountTokens';
export type { FaultSettings } from './api/faults';
export type {
  KubeObject,
  ManagedFieldsEntry,
  ObjectMeta,
  StoredEvent,
  WatchEventType,
} from './store/types';
export type {
  ProviderSettings,
  FailureRule,
  ExternalResource,
} from './crossplane/SimulatedProvider';
