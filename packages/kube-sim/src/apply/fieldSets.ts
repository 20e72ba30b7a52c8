/*
 * Field ownership for server-side apply, in the `FieldsV1` shape Kubernetes uses: nested objects
 * whose keys are `f:<field>`. Lists are atomic here (owned as a whole), which is what Kubernetes
 * does for lists without merge keys.
 */
export type FieldSet = { [key: string]: FieldSet };

const SKIPPED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The fields a (partial) object sets, leaves only. */
export function fieldsOf(
  object: Record<string, unknown>,
  topLevel = true,
): FieldSet {
  const set: FieldSet = {};
  for (const [key, value] of Object.entries(object)) {
    if (topLevel && (key === 'apiVersion' || key === 'kind')) continue;
    if (topLevel && key === 'metadata' && isObject(value)) {
      const meta: FieldSet = {};
      for (const [mk, mv] of Object.entries(value)) {
        if (SKIPPED_METADATA.has(mk)) continue;
        meta[`f:${mk}`] = isObject(mv) ? fieldsOf(mv, false) : {};
      }
      if (Object.keys(meta).length) set['f:metadata'] = meta;
      continue;
    }
    set[`f:${key}`] =
      isObject(value) && Object.keys(value).length > 0
        ? fieldsOf(value, false)
        : {};
  }
  return set;
}

/** Leaf paths of a field set, as arrays of field names. */
export function leafPaths(set: FieldSet, prefix: string[] = []): string[][] {
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(set)) {
    const path = [...prefix, key.slice(2)];
    if (Object.keys(child).length === 0) paths.push(path);
    else paths.push(...leafPaths(child, path));
  }
  return paths;
}

export function fromPaths(paths: string[][]): FieldSet {
  const set: FieldSet = {};
  for (const path of paths) {
    let node = set;
    for (const part of path) {
      node[`f:${part}`] ??= {};
      node = node[`f:${part}`];
    }
  }
  return set;
}

export const pathKey = (path: string[]) => path.join('.');

export function getPath(object: unknown, path: string[]): unknown {
  let node: unknown = object;
  for (const part of path) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

export function setPath(
  object: Record<string, unknown>,
  path: string[],
  value: unknown,
): void {
  let node = object;
  for (const part of path.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = structuredClone(value);
}

/** Removes a leaf, and any object it leaves empty. */
export function deletePath(
  object: Record<string, unknown>,
  path: string[],
): void {
  const parents: Array<[Record<string, unknown>, string]> = [];
  let node: unknown = object;
  for (const part of path.slice(0, -1)) {
    if (!isObject(node)) return;
    parents.push([node, part]);
    node = node[part];
  }
  if (!isObject(node)) return;
  delete node[path[path.length - 1]];
  for (let i = parents.length - 1; i >= 0; i--) {
    const [parent, key] = parents[i];
    const child = parent[key];
    if (isObject(child) && Object.keys(child).length === 0) delete parent[key];
    else break;
  }
}

/** Leaf paths whose values differ between two objects (spec, metadata labels and annotations...). */
export function changedPaths(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[][] {
  const paths = new Map<string, string[]>();
  for (const path of [
    ...leafPaths(fieldsOf(before)),
    ...leafPaths(fieldsOf(after)),
  ]) {
    if (path[0] === 'status') continue;
    if (
      JSON.stringify(getPath(before, path)) !==
      JSON.stringify(getPath(after, path))
    ) {
      paths.set(pathKey(path), path);
    }
  }
  return [...paths.values()];
}
