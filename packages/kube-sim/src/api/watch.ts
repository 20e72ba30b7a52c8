/*
 * A watch: a chunked stream of JSON lines, one event per change of the route's objects that
 * match the selectors. Without a resourceVersion (or with "0") it starts with the current objects
 * as ADDED events; from a version that left the store's event window it answers a 410 ERROR event.
 * Optional bookmark, `timeoutSeconds`, and the fault injector can drop it.
 */
import type http from 'node:http';
import type { ObjectStore } from '../store/ObjectStore';
import { apiVersionOf } from '../store/ResourceRegistry';
import type { FaultInjector } from './faults';
import type { Route } from './routing';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { StatusError } from './status';

const line = (event: unknown) => `${JSON.stringify(event)}\n`;

export function serveWatch(
  deps: { store: ObjectStore; faults: FaultInjector },
  route: Route,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const { store, faults } = deps;
  const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const requested = url.searchParams.get('resourceVersion');
  const since = Number(requested || store.resourceVersion);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
  });
  // Clients wait for the headers before they consider the watch started.
  res.flushHeaders();
  if (!requested || requested === '0') {
    for (const object of store.list(route.type, route.namespace)) {
      if (labels(object) && fields(object))
        res.write(line({ type: 'ADDED', object }));
    }
  }
  let stop = () => {};
  const end = () => {
    stop();
    faults.untrackWatch(res);
    if (!res.writableEnded) res.end();
  };
  try {
    stop = store.watch(
      route.type,
      route.namespace,
      Number.isFinite(since) ? since : 0,
      event => {
        if (!labels(event.object) || !fields(event.object)) return;
        res.write(line({ type: event.type, object: event.object }));
      },
    );
  } catch (error) {
    if (error instanceof StatusError) {
      res.write(line({ type: 'ERROR', object: error.toBody() }));
      res.end();
      return;
    }
    throw error;
  }
  if (url.searchParams.get('allowWatchBookmarks') === 'true') {
    res.write(
      line({
        type: 'BOOKMARK',
        object: {
          kind: route.type.kind,
          apiVersion: apiVersionOf(route.type),
          metadata: { resourceVersion: store.resourceVersion },
        },
      }),
    );
  }
  const timeout = Number(url.searchParams.get('timeoutSeconds') || 0);
  const timer = timeout > 0 ? setTimeout(end, timeout * 1000) : undefined;
  timer?.unref();
  faults.trackWatch(res);
  req.on('close', () => {
    if (timer) clearTimeout(timer);
    end();
  });
}
