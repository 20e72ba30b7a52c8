/*
 * Label and field selectors, as `kubectl -l` and list calls send them.
 */
import type { KubeObject } from '../store/types';
import { StatusError } from './status';

type Requirement = (labels: Record<string, string>) => boolean;

function parseRequirement(part: string, selector: string): Requirement {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (set) {
    const [, key, op, list] = set;
    const values = list.split(',').map(v => v.trim());
    return op === 'in'
      ? l => values.includes(l[key])
      : l => !values.includes(l[key]);
  }
  const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
  if (equality) {
    const [, key, op, value] = equality;
    return op === '!=' ? l => l[key] !== value : l => l[key] === value;
  }
  const absent = /^!([\w./-]+)$/.exec(part);
  if (absent) return l => !(absent[1] in l);
  const present = /^([\w./-]+)$/.exec(part);
  if (present) return l => present[1] in l;
  throw StatusError.badRequest(
    `unable to parse requirement: "${part}" in label selector "${selector}"`,
  );
}

export function parseLabelSelector(
  selector: string | null,
): (object: KubeObject) => boolean {
  if (!selector) return () => true;
  const requirements: Requirement[] = [];
  // Split on commas that are not inside parentheses.
  const parts = selector.match(/([^,(]+(\([^)]*\))?)+/g) ?? [];
  for (const raw of parts) {
    requirements.push(parseRequirement(raw.trim(), selector));
  }
  return object => {
    const labels = object.metadata.labels ?? {};
    return requirements.every(r => r(labels));
  };
}

export function parseFieldSelector(
  selector: string | null,
): (object: KubeObject) => boolean {
  if (!selector) return () => true;
  const checks = selector.split(',').map(part => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
    if (!m) throw StatusError.badRequest(`invalid field selector: "${part}"`);
    const [, field, op, value] = m;
    const read = (o: KubeObject): unknown =>
      field
        .split('.')
        .reduce<any>(
          (node, key) =>
            node === null || node === undefined ? undefined : node[key],
          o,
        );
    return op === '!='
      ? (o: KubeObject) => String(read(o) ?? '') !== value
      : (o: KubeObject) => String(read(o) ?? '') === value;
  });
  return object => checks.every(c => c(object));
}
