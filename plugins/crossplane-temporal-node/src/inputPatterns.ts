/*
 * What the API accepts in the fields that name things, as the OpenAPI document's patterns say, so
 * that actions refuse a bad name with a clear message before any request is made.
 */

/**
 * Patterns of the API's names, each with the words a refusal uses to say what is expected.
 *
 * @public
 */
export const INPUT_PATTERNS = {
  cluster: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    maxLength: 63,
    expected:
      'a cluster name from app-config: lowercase letters, digits and dashes, e.g. local',
  },
  namespace: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    maxLength: 63,
    expected:
      'a Kubernetes namespace (DNS-1123 label): lowercase letters, digits and dashes, at most 63 characters, e.g. team-alpha',
  },
  apiVersion: {
    pattern:
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/v[0-9]+((alpha|beta)[0-9]+)?$/,
    maxLength: 317,
    expected:
      "'group/version' with a dotted group, e.g. database.example.org/v1alpha1",
  },
  kind: {
    pattern: /^[A-Z][A-Za-z0-9]*$/,
    maxLength: 63,
    expected: 'a Kubernetes kind in CamelCase, e.g. PostgreSQLInstance',
  },
  name: {
    pattern:
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    maxLength: 253,
    expected:
      'a Kubernetes object name (DNS-1123): lowercase letters, digits, dashes and dots, starting and ending with a letter or digit, e.g. orders-db',
  },
  entityRef: {
    pattern:
      /^[a-zA-Z][a-zA-Z0-9]*:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    maxLength: 320,
    expected:
      'a full entity reference kind:namespace/name, e.g. component:default/checkout-service',
  },
  requestId: {
    pattern: /^[A-Za-z0-9][-A-Za-z0-9._:]{0,127}$/,
    maxLength: 128,
    expected: 'letters, digits and the characters - . _ : (at most 128)',
  },
} as const;

/** The largest request body the API accepts, in bytes. @public */
export const MAX_REQUEST_BYTES = 256 * 1024;
