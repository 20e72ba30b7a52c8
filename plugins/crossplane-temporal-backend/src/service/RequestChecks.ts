/*
 * What a request names, checked before anything is sent to a workflow: the kind (an XRD on a
 * configured cluster must offer it), the namespace (one of the caller's groups' tenants) and the
 * spec (the XRD's schema); and the policy, which the backend derives from the XRD and config,
 * never from the request.
 */
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import {
  validateResourceRef,
  type JsonObject,
  type ResourcePathParams,
  type ResourcePolicy,
  type ResourceRef,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import type { Caller } from '../access/caller';
import type { Tenancy } from '../access/tenancy';
import type { ClusterStateCache } from '../cache/ClusterStateCache';
import type { RequestableXrd } from '../cache/xrds';
import { resolvePolicy, type PolicyOverride } from '../policy/resourcePolicy';
import { specProblems } from '../policy/specValidation';
import { unknownCluster } from './resourcePath';

export interface RequestChecksOptions {
  clusterCache: ClusterStateCache;
  tenancy: Tenancy;
  policies: readonly PolicyOverride[];
}

export class RequestChecks {
  constructor(private readonly o: RequestChecksOptions) {}

  /** The XRD that offers the path's kind, and the resource's full reference. */
  target(path: ResourcePathParams): { xrd: RequestableXrd; ref: ResourceRef } {
    const { clusterCache } = this.o;
    if (!clusterCache.hasCluster(path.cluster))
      throw new InputError(
        unknownCluster(path.cluster, clusterCache.clusterNames()),
      );
    const xrd = clusterCache.xrdFor(path.cluster, path.group, path.kind);
    if (!xrd) {
      throw new InputError(
        `${path.kind} of group ${path.group} is not a kind any XRD offers on cluster ${path.cluster}; only claims and namespaced composites defined by XRDs can be requested (GET /kinds lists them)`,
      );
    }
    const ref: ResourceRef = {
      cluster: path.cluster,
      apiVersion: xrd.apiVersion,
      kind: xrd.kind,
      namespace: path.namespace,
      name: path.name,
    };
    const problems = validateResourceRef(ref);
    if (problems.length) throw new InputError(problems.join('; '));
    return { xrd, ref };
  }

  /** The XRD's policy with config's overrides; 409 while it cannot be read. */
  policyOf(xrd: RequestableXrd): ResourcePolicy {
    const { policy, problem } = resolvePolicy(xrd, this.o.policies);
    if (!policy) throw new ConflictError(problem);
    return policy;
  }

  namespace(caller: Caller, ref: ResourceRef) {
    const { tenancy } = this.o;
    if (tenancy.mayUse(ref.cluster, ref.namespace, caller.ownershipEntityRefs))
      return;
    const yours = tenancy.namespacesFor(
      ref.cluster,
      caller.ownershipEntityRefs,
    );
    throw new NotAllowedError(
      `namespace ${ref.namespace} of cluster ${
        ref.cluster
      } is not one your groups may use; ${
        yours.length
          ? `yours: ${yours.join(', ')}`
          : 'your groups have none there'
      } (crossplaneTemporal.clusters[].tenants in app-config)`,
    );
  }

  spec(xrd: RequestableXrd, spec: unknown) {
    const problems = specProblems(xrd, spec as JsonObject);
    if (problems.length) {
      throw new InputError(
        `the spec does not match the schema of ${xrd.kind} (XRD ${
          xrd.name
        }): ${problems.join('; ')}`,
      );
    }
  }
}
