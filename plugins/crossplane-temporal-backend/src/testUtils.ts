/**
 * For other packages' tests that drive a resource workflow themselves, without the plugin's API
 * (e.g. the standalone worker's): the workflow's messages they send.
 *
 * @packageDocumentation
 */
import * as definitions from './workflows/definitions';

/**
 * Provisions the resource; signal-with-start delivers the first request with it.
 *
 * @public
 */
export const provisionSignal = definitions.provisionSignal;

/**
 * The resource's status as its workflow knows it.
 *
 * @public
 */
export const statusQuery = definitions.statusQuery;
