/*
 * Changes to what the resource workflow does, for `patched()`: running workflows whose histories
 * predate a change replay the old path (see the plugin README, "Changing workflow code"). Every
 * patch the workflow has ever asked about is named here, and nowhere else.
 */
export const PATCHES = {
  /**
   * Composed resources' failures are judged by the spec they are about: those that predate an
   * apply are taken before it is sent (not once it has returned, by when news of the new spec may
   * have arrived), and a failure reported for an earlier generation than the resource has is stale.
   */
  failuresJudgedBySpec: 'failures-judged-by-spec',
  /**
   * Fewer round trips per request: the schema check and the dry-run are one activity, and the
   * outputs are taken from the read that confirmed Ready instead of a read of their own.
   */
  fewerRoundTrips: 'fewer-round-trips',
  /** A provision request is refused while another provision runs, not queued behind it. */
  oneProvisionAtATime: 'one-provision-at-a-time',
  /** A claim's composite whose spec someone else changed has drifted, as a composed resource has. */
  compositeChangesAreDrift: 'composite-changes-are-drift',
  /**
   * Where Crossplane does not say which generation its Ready condition is about (claims before
   * Crossplane 1.19), Ready counts for a first generation, and for a later one once it changed
   * after the apply or held for a fallback period since.
   */
  readyWithoutGenerations: 'ready-without-generations',
  /** A deprovision that arrives while a provision is validated stops it before it applies. */
  deprovisionBeforeApply: 'deprovision-before-apply',
  /**
   * An update someone asked for through Backstage takes the claim's fields back from whoever
   * changed them outside it (server-side apply with force), instead of failing on the conflict.
   */
  updatesTakeFieldsBack: 'updates-take-fields-back',
  /** Applies, reads and deletes are local activities, run within the workflow task that asks. */
  localClusterCalls: 'local-cluster-calls',
} as const;

export type PatchId = (typeof PATCHES)[keyof typeof PATCHES];
