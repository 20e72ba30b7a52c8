/*
 * Helpers for tests that drive the simulator with the real client library.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeSim } from '../startKubeSim';

export function clientsFor(
  sim: KubeSim,
  user: string,
  options?: { clientCertificate?: boolean },
) {
  return clientsOf(sim.kubeconfigFor(user, options));
}

/** Clients of a kubeconfig (YAML). */
export function clientsOf(kubeconfig: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return {
    kc,
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(k8s.CoreV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

/**
 * Resolves with the first object the watch reports that satisfies `predicate`; from
 * `resourceVersion` when given, so that nothing after it can be missed.
 */
export function waitFor(
  kc: k8s.KubeConfig,
  path: string,
  predicate: (type: string, object: any) => boolean,
  timeoutMs = 30_000,
  resourceVersion?: string,
): Promise<any> {
  return new Promise((resolve, reject) => {
    let request: AbortController | undefined;
    const timer = setTimeout(() => {
      request?.abort();
      reject(
        new Error(
          `nothing at ${path} satisfied the condition within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    new k8s.Watch(kc)
      .watch(
        path,
        resourceVersion ? { resourceVersion } : {},
        (type, object) => {
          if (predicate(type, object)) {
            clearTimeout(timer);
            request?.abort();
            resolve(object);
          }
        },
        error => {
          if (error && (error as Error).name !== 'AbortError') {
            clearTimeout(timer);
            reject(error);
          }
        },
      )
      .then(controller => {
        request = controller;
      }, reject);
  });
}

export const isReady = (object: any) =>
  (object?.status?.conditions ?? []).some(
    (c: any) =>
      c.type === 'Ready' &&
      c.status === 'True' &&
      c.observedGeneration === object.metadata.generation,
  );

/** Resolves with the object named `name` at `path` once it reports Ready. */
export const readyAt = (kc: k8s.KubeConfig, path: string, name: string) =>
  waitFor(
    kc,
    path,
    (_type, object) => object.metadata.name === name && isReady(object),
  );

/** The Status body of a request that must fail with `code`. */
export async function expectStatus(
  promise: Promise<unknown>,
  code: number,
): Promise<any> {
  try {
    await promise;
  } catch (error: any) {
    expect(error.code).toBe(code);
    return typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  }
  throw new Error(`expected the request to fail with ${code}`);
}
