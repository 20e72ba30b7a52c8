/*
 * The paths anyone may read, even without credentials, as system:public-info-viewer allows in
 * Kubernetes: the version, and the health checks.
 */

const VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-kube-sim',
  platform: 'linux/amd64',
};

const HEALTH_PATHS = ['/healthz', '/readyz', '/livez'];

/** The answer to a public path, or undefined for any other path. */
export function publicInfo(pathname: string): unknown {
  if (pathname === '/version') return VERSION;
  if (HEALTH_PATHS.includes(pathname)) return 'ok';
  return undefined;
}
