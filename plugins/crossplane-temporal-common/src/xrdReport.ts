/*
 * What became of each XRD in the catalog: the templates and API entity made from it, or why not.
 * The catalog module writes it; the platform page reads it, so that no XRD is skipped silently.
 */

/**
 * Why an XRD, or one of its versions or fields, did not become (all of) a template.
 *
 * @public
 */
export type XrdProblemReason =
  /** No version has `served: true`. */
  | 'NoServedVersion'
  /** Nothing a team can create in a namespace: a v1 XRD without claimNames, a v2 cluster-scoped one. */
  | 'NotOffered'
  /** The cluster does not serve the XRD's kinds yet (condition Established or Offered not True). */
  | 'NotEstablished'
  /** A served version has no `schema.openAPIV3Schema`. */
  | 'MissingSchema'
  /** A field's schema is something the form cannot ask for (free-form object, composition keywords). */
  | 'UnsupportedSchema'
  /** A `pattern` that JavaScript's regular expressions cannot compile. */
  | 'InvalidPattern'
  /** Rules (`x-kubernetes-validations`) that only the cluster checks, on submit. */
  | 'RulesNotInForm'
  /** Field settings that contradict each other or the schema (e.g. a required field hidden without a default). */
  | 'ConflictingOverrides'
  /** A field setting names a field that no served version has. */
  | 'UnknownField'
  /** An annotation or app-config setting that cannot be used as written. */
  | 'InvalidSetting'
  /** Clusters serve different definitions under the same XRD name. */
  | 'DefinitionsDiffer'
  /** Another XRD already makes an entity with the same name. */
  | 'NameCollision';

/**
 * One problem, and what the platform team should do about it.
 *
 * @public
 */
export interface XrdProblem {
  /** `error`: the template (or the version's template) was not made; `warning`: it was, with a limitation. */
  severity: 'error' | 'warning';
  reason: XrdProblemReason;
  /** What is wrong and what to change. */
  message: string;
  /** The XRD version the problem is about, when it is about one. */
  version?: string;
  /** The field (path from `spec`, e.g. `parameters.size`) the problem is about, when it is about one. */
  field?: string;
  /** The cluster the problem is about, when it is about one. */
  cluster?: string;
}

/**
 * The outcome for one XRD.
 *
 * - `generated`: a template for every served version, and the API entity
 * - `partial`: templates for some served versions; the report says why not the others
 * - `api-only`: the API entity only, as the XRD asks
 * - `disabled`: nothing, as the XRD asks
 * - `failed`: no template; the report says why
 *
 * @public
 */
export type XrdOutcome =
  | 'generated'
  | 'partial'
  | 'api-only'
  | 'disabled'
  | 'failed';

/** @public */
export interface XrdReport {
  /** The XRD's `metadata.name`. */
  xrd: string;
  /** The clusters where the XRD was found. */
  clusters: string[];
  outcome: XrdOutcome;
  /** Entity refs of the templates made, e.g. `template:default/postgresqlinstance-v1alpha1.database.example.org`. */
  templates: string[];
  /** Entity ref of the API entity made, if any. */
  api?: string;
  problems: XrdProblem[];
}
