import type { ResourceRef } from '../resourceRef';

/** A claim the tests name things after: team alpha's orders database on the local cluster. */
export const ORDERS_DB: ResourceRef = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespace: 'team-alpha',
  name: 'orders-db',
};
