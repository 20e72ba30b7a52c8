/*
 * Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what `kubectl get`
 * prints: Name, then a CRD version's `additionalPrinterColumns` (evaluated with the JSONPath
 * subset printer columns use), or Age when it declares none, as the API server does.
 */
import type { KubeObject, PrinterColumn, ResourceType } from '../store/types';

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      part => /;\s*as=Table/.test(part) && /;\s*g=meta\.k8s\.io/.test(part),
    );
}

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** The value at a printer column's JSONPath: `.a.b`, `.a[0]`, `.a[?(@.k=='v')].b`, `\.` in keys. */
export function evaluateJsonPath(object: unknown, jsonPath: string): unknown {
  const tokens = jsonPath.match(
    /\[\?\(@\.[^)]*\)\]|\[\d+\]|\.(?:\\\.|[^.[])+/g,
  );
  if (!tokens) return undefined;
  let values: unknown[] = [object];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const value of values) {
      if (value === null || value === undefined) continue;
      if (token.startsWith('[?(')) {
        const filter = /^\[\?\(@\.([\w.]+)\s*==\s*['"]([^'"]*)['"]\)\]$/.exec(
          token,
        );
        if (!filter || !Array.isArray(value)) continue;
        next.push(
          ...value.filter(
            item =>
              String(evaluateJsonPath(item, `.${filter[1]}`)) === filter[2],
          ),
        );
      } else if (token.startsWith('[')) {
        if (Array.isArray(value)) next.push(value[Number(token.slice(1, -1))]);
      } else {
        const key = token.slice(1).replace(/\\\./g, '.');
        next.push((value as Record<string, unknown>)[key]);
      }
    }
    values = next;
  }
  return values.find(v => v !== undefined);
}

/** "5m", "3h", "2d" (kubectl's short human durations). */
export function age(since: string | undefined, now = Date.now()): string {
  const then = since ? Date.parse(since) : NaN;
  if (Number.isNaN(then)) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

function cell(object: KubeObject, column: PrinterColumn): unknown {
  const value = evaluateJsonPath(object, column.jsonPath);
  if (column.type === 'date')
    return value === undefined ? '<unknown>' : age(String(value));
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
) {
  const columns = type.printerColumns?.length ? type.printerColumns : [AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: 'Name must be unique within a namespace.',
        priority: 0,
      },
      ...columns.map(c => ({
        name: c.name,
        type: c.type === 'date' ? 'date' : c.type,
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      })),
    ],
    rows: objects.map(object => ({
      cells: [object.metadata.name, ...columns.map(c => cell(object, c))],
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: object.metadata,
      },
    })),
  };
}
