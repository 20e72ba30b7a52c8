/*
 * From an XRD, as the clusters that have it report it, to its catalog entities (a Template per
 * served version, an API entity) and its report. Pure: same XRD and settings, same answer.
 */
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type {
  XrdOutcome,
  XrdProblem,
  XrdReport,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import { buildApiEntity } from './apiEntity';
import { buildSpecForm } from './formSchema';
import {
  readXrdSettings,
  type GeneratorDefaults,
  type XrdOverrides,
  type XrdSettings,
} from './settings';
import { buildTemplateEntity } from './templateEntity';
import {
  notEstablished,
  offeredKind,
  servedVersions,
  type CompositeResourceDefinition,
} from './xrd';

/**
 * An XRD as one cluster has it.
 *
 * @public
 */
export interface ObservedXrd {
  cluster: string;
  xrd: CompositeResourceDefinition;
}

/** @public */
export interface GeneratorOptions {
  defaults: GeneratorDefaults;
  /** App-config's settings for this XRD, if any. */
  overrides?: XrdOverrides;
}

/** @public */
export interface GeneratedXrd {
  entities: Entity[];
  report: XrdReport;
}

/** What makes two clusters' copies of an XRD the same definition. */
function definitionKey(xrd: CompositeResourceDefinition): string {
  return JSON.stringify([
    xrd.apiVersion,
    xrd.spec,
    xrd.metadata.annotations ?? {},
  ]);
}

/**
 * The copy most clusters have (ties: the first cluster by name), and the clusters that have it.
 * Copies elsewhere differ: templates offer only the clusters whose definition they describe.
 */
function pickDefinition(observed: ObservedXrd[], problems: XrdProblem[]) {
  const sorted = [...observed].sort((a, b) =>
    a.cluster.localeCompare(b.cluster),
  );
  const groups = new Map<string, ObservedXrd[]>();
  for (const o of sorted) {
    const key = definitionKey(o.xrd);
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const chosen = [...groups.values()].sort((a, b) => b.length - a.length)[0];
  for (const o of sorted) {
    if (!chosen.includes(o))
      problems.push({
        severity: 'warning',
        reason: 'DefinitionsDiffer',
        cluster: o.cluster,
        message: `cluster ${
          o.cluster
        } has a different definition of this XRD than ${chosen
          .map(c => c.cluster)
          .join(', ')}; its templates leave ${
          o.cluster
        } out until the definitions agree`,
      });
  }
  return chosen;
}

/** The rules that name fields no served version has. */
function unknownFieldRules(
  rules: XrdSettings['fieldRules'],
  paths: Set<string>,
): XrdProblem[] {
  const problems: XrdProblem[] = [];
  const sources: Array<[string, Map<string, unknown>]> = [
    ['an annotation', rules.annotations],
    ['app-config', rules.config],
  ];
  for (const [source, map] of sources) {
    for (const path of map.keys()) {
      if (!paths.has(path))
        problems.push({
          severity: 'warning',
          reason: 'UnknownField',
          field: path,
          message: `${path}: ${source} names this field but no served version has it: correct the path (from spec, e.g. parameters.size; list items as items[].field)`,
        });
    }
  }
  return problems;
}

function report(
  xrd: string,
  clusters: string[],
  outcome: XrdOutcome,
  entities: Entity[],
  problems: XrdProblem[],
): GeneratedXrd {
  const refs = (kind: string) =>
    entities.filter(e => e.kind === kind).map(e => stringifyEntityRef(e));
  return {
    entities,
    report: {
      xrd,
      clusters,
      outcome,
      templates: refs('Template'),
      api: refs('API')[0],
      problems,
    },
  };
}

/**
 * The entities and report for one XRD, from every cluster's copy of it.
 *
 * @public
 */
export function generateXrdEntities(
  observed: ObservedXrd[],
  options: GeneratorOptions,
): GeneratedXrd {
  if (observed.length === 0) throw new Error('no XRD given');
  const name = observed[0].xrd.metadata.name;
  const problems: XrdProblem[] = [];
  const allClusters = [...new Set(observed.map(o => o.cluster))].sort();
  const copies = pickDefinition(observed, problems);
  const xrd = copies[0].xrd;

  const { settings, problems: settingProblems } = readXrdSettings(
    xrd,
    options.overrides,
    options.defaults,
  );
  problems.push(...settingProblems);
  if (settings.generate === 'none')
    return report(name, allClusters, 'disabled', [], problems);

  const offered = offeredKind(xrd);
  if ('reason' in offered) {
    problems.push(offered);
    return report(name, allClusters, 'failed', [], problems);
  }

  const clusters: string[] = [];
  for (const copy of copies) {
    const why = notEstablished(copy.xrd, offered);
    if (why)
      problems.push({
        severity: 'warning',
        reason: 'NotEstablished',
        cluster: copy.cluster,
        message: `on cluster ${copy.cluster}: ${why}`,
      });
    else clusters.push(copy.cluster);
  }
  if (clusters.length === 0) {
    for (const p of problems)
      if (p.reason === 'NotEstablished') p.severity = 'error';
    return report(name, allClusters, 'failed', [], problems);
  }

  const versions = servedVersions(xrd);
  if (versions.length === 0) {
    problems.push({
      severity: 'error',
      reason: 'NoServedVersion',
      message:
        'no version has served: true, so nothing can be requested: serve at least one version',
    });
    return report(name, allClusters, 'failed', [], problems);
  }

  const entities: Entity[] = [
    buildApiEntity({
      xrd,
      offered,
      versions,
      settings,
      defaults: options.defaults,
      clusters,
    }),
  ];
  const settingsBroken = problems.some(p => p.severity === 'error');
  if (settings.generate === 'api-only' || settingsBroken)
    return report(
      name,
      allClusters,
      settingsBroken ? 'failed' : 'api-only',
      entities,
      problems,
    );

  const paths = new Set<string>();
  let templates = 0;
  for (const version of versions) {
    const schema = version.schema?.openAPIV3Schema;
    if (!schema) {
      problems.push({
        severity: 'error',
        reason: 'MissingSchema',
        version: version.name,
        message: `version ${version.name} has no schema.openAPIV3Schema: describe its spec so the form can ask for it`,
      });
      continue;
    }
    const form = buildSpecForm(
      schema.properties?.spec,
      version.name,
      settings.fieldRules,
    );
    form.paths.forEach(p => paths.add(p));
    problems.push(...form.problems);
    if (form.problems.some(p => p.severity === 'error')) continue;
    entities.push(
      buildTemplateEntity({
        xrd,
        version,
        offered,
        settings,
        defaults: options.defaults,
        clusters,
        form,
        severalVersions: versions.length > 1,
      }),
    );
    templates += 1;
  }
  problems.push(...unknownFieldRules(settings.fieldRules, paths));
  let outcome: XrdOutcome = 'failed';
  if (templates === versions.length) outcome = 'generated';
  else if (templates > 0) outcome = 'partial';
  return report(name, allClusters, outcome, entities, problems);
}
