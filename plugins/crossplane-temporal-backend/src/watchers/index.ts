export {
  createResourceWatchers,
  lastSpecManager,
} from './createResourceWatchers';
export type { ResourceWatchersOptions } from './createResourceWatchers';
