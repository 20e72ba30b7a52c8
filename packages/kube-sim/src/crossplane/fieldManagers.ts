/*
 * The field managers the simulated Crossplane writes under, as real Crossplane names them in
 * managedFields.
 */
export const CLAIM_MANAGER = 'apiextensions.crossplane.io/claim';
export const COMPOSITE_MANAGER = 'apiextensions.crossplane.io/composite';
