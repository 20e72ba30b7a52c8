/**
 * Where a resource lives and what it is: the identity every part of the suite uses for it.
 *
 * A resource is a Crossplane v1 claim or a Crossplane v2 namespaced composite resource; both are
 * namespaced, so (cluster, namespace, group, kind, name) names exactly one object.
 *
 * @public
 */
export interface ResourceRef {
  /** The cluster's name in app-config (`crossplaneTemporal.clusters[].name`). */
  cluster: string;
  /** `group/version` of the claim or composite, e.g. `database.example.org/v1alpha1`. */
  apiVersion: string;
  /** The claim's or composite's kind, e.g. `PostgreSQLInstance`. */
  kind: string;
  namespace: string;
  name: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const API_VERSION =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)\/(v[0-9]+((alpha|beta)[0-9]+)?)$/;

/**
 * The API group of a `group/version` string (claims and composites always have one).
 *
 * @public
 */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * Problems with a resource reference, each saying what is wrong and what is expected; empty when
 * the reference is valid.
 *
 * @public
 */
export function validateResourceRef(ref: Partial<ResourceRef>): string[] {
  const problems: string[] = [];
  const check = (
    field: keyof ResourceRef,
    ok: (value: string) => boolean,
    expected: string,
  ) => {
    const value = ref[field];
    if (typeof value !== 'string' || value === '') {
      problems.push(`${field} is required (${expected})`);
    } else if (!ok(value)) {
      problems.push(`${field} '${value}' is not valid: expected ${expected}`);
    }
  };
  check(
    'cluster',
    v => DNS_LABEL.test(v) && v.length <= 63,
    'a cluster name from app-config, lowercase letters, digits and dashes',
  );
  check(
    'apiVersion',
    v => API_VERSION.test(v),
    "'group/version' with a dotted group, e.g. 'database.example.org/v1alpha1'",
  );
  check(
    'kind',
    v => KIND.test(v) && v.length <= 63,
    "a Kubernetes kind in CamelCase, e.g. 'PostgreSQLInstance'",
  );
  check(
    'namespace',
    v => DNS_LABEL.test(v) && v.length <= 63,
    'a Kubernetes namespace: lowercase letters, digits and dashes, at most 63 characters',
  );
  check(
    'name',
    v => DNS_SUBDOMAIN.test(v) && v.length <= 253,
    'a Kubernetes object name: lowercase letters, digits, dashes and dots, at most 253 characters',
  );
  return problems;
}

/**
 * The ID of the one workflow that owns a resource for its whole life. Deterministic, so that every
 * request about the same resource reaches the same workflow, and readable, so that operators can
 * find it in Temporal's UI.
 *
 * @public
 */
export function resourceWorkflowId(ref: ResourceRef): string {
  const group = apiGroupOf(ref.apiVersion);
  return `crossplane-resource/${ref.cluster}/${
    ref.namespace
  }/${ref.kind.toLowerCase()}.${group}/${ref.name}`;
}

/**
 * How messages name a resource.
 *
 * @public
 */
export function describeResourceRef(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
}
