export { createProvisionAction, PROVISION_ACTION_ID } from './provision';
export type { ResourceActionOptions } from './provision';
export type { Polling } from './waitForSettled';
export { createUpdateAction, UPDATE_ACTION_ID } from './update';
export { createDeprovisionAction, DEPROVISION_ACTION_ID } from './deprovision';
