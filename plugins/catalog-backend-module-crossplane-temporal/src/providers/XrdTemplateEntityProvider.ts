/*
 * Templates and API entities from the clusters' XRDs, kept in step with them: each change of an
 * XRD becomes a delta mutation of that XRD's entities within moments, and a full mutation on
 * start and on a schedule catches anything missed. Every XRD gets a report: logged when it
 * changes, counted in metrics, kept for the platform page.
 */
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import type {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import type { XrdReport } from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  generateXrdEntities,
  type GeneratedXrd,
  type GeneratorDefaults,
  type ObservedXrd,
  type XrdOverrides,
} from '../generator';
import type { XrdReportStore } from '../report/XrdReportStore';
import type { XrdChange, XrdSource } from '../sources/types';
import type { XrdReportMetrics } from './metrics';
import { FollowingEntityProvider } from './FollowingEntityProvider';

export interface XrdTemplateEntityProviderOptions {
  source: XrdSource;
  defaults: GeneratorDefaults;
  /** App-config's settings, by XRD name. */
  overrides: Map<string, XrdOverrides>;
  logger: LoggerService;
  reports: XrdReportStore;
  metrics?: XrdReportMetrics;
  /** Runs the full refresh on the configured schedule. */
  taskRunner: SchedulerServiceTaskRunner;
}

const PROVIDER_NAME = 'crossplane-temporal-xrd-templates';

const locationOf = (xrd: string) => `crossplane-temporal:xrd/${xrd}`;

function withLocation(entity: Entity, xrd: string): Entity {
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...entity.metadata.annotations,
        [ANNOTATION_LOCATION]: locationOf(xrd),
        [ANNOTATION_ORIGIN_LOCATION]: locationOf(xrd),
      },
    },
  };
}

/** A short line per problem, for log fields. */
function describeProblems(report: XrdReport): string {
  return report.problems
    .map(
      p =>
        `${p.severity} ${p.reason}${p.version ? ` (${p.version})` : ''}${
          p.cluster ? ` [${p.cluster}]` : ''
        }: ${p.message}`,
    )
    .join(' | ');
}

function withoutCollisions(
  generated: GeneratedXrd,
  collisions: Entity[],
  takenBy: Map<string, string>,
): GeneratedXrd {
  const lost = new Set(collisions.map(e => stringifyEntityRef(e)));
  const entities = generated.entities.filter(e => !lost.has(stringifyEntityRef(e)));
  const refs = (kind: string) =>
    entities.filter(e => e.kind === kind).map(e => stringifyEntityRef(e));
  const templates = refs('Template');
  return {
    entities,
    report: {
      ...generated.report,
      templates,
      api: refs('API')[0],
      outcome:
        templates.length === 0 && generated.report.templates.length > 0
          ? 'failed'
          : generated.report.outcome,
      problems: [
        ...generated.report.problems,
        ...[...lost].map(ref => ({
          severity: 'error' as const,
          reason: 'NameCollision' as const,
          message: `${ref} is already made from the XRD ${takenBy.get(ref)}: two XRDs offer the same kind in the same group; remove one, or switch one off with crossplane-temporal.io/generate: none`,
        })),
      ],
    },
  };
}

/** @public */
export class XrdTemplateEntityProvider extends FollowingEntityProvider<XrdChange> {
  /** Every cluster's copy of every XRD, by XRD name then cluster. */
  private readonly xrds = new Map<string, Map<string, ObservedXrd>>();
  /** The generator's answer per XRD and the input it answered, to skip unchanged XRDs. */
  private readonly generated = new Map<
    string,
    { input: string; output: GeneratedXrd }
  >();
  /** What each XRD produced last, after name collisions were settled. */
  private produced = new Map<string, GeneratedXrd>();
  /** The last report logged per XRD, so unchanged reports are not logged again. */
  private readonly logged = new Map<string, string>();

  constructor(private readonly options: XrdTemplateEntityProviderOptions) {
    super(PROVIDER_NAME, { ...options, what: 'XRD templates' });
  }

  protected follow(listener: (change: XrdChange) => void) {
    return this.options.source.subscribe(listener);
  }

  override refresh(): Promise<void> {
    return this.queue.run(async () => {
      const observed = await this.options.source.listXrds();
      this.xrds.clear();
      for (const o of observed) this.remember(o);
      this.produced = this.generateAll();
      // The report and metrics first: they say what the catalog is about to show.
      const reports = [...this.produced.values()].map(g => g.report);
      this.options.reports.replaceAll(reports);
      for (const report of reports) this.announce(report);
      for (const name of [...this.logged.keys()])
        if (!this.xrds.has(name)) this.logged.delete(name);
      this.options.metrics?.observe(this.options.reports.list());
      await this.connection?.applyMutation({
        type: 'full',
        entities: [...this.produced.entries()].flatMap(([name, g]) =>
          g.entities.map(entity => ({
            entity: withLocation(entity, name),
            locationKey: locationOf(name),
          })),
        ),
      });
    });
  }

  private remember(o: ObservedXrd) {
    const byCluster = this.xrds.get(o.xrd.metadata.name) ?? new Map();
    byCluster.set(o.cluster, o);
    this.xrds.set(o.xrd.metadata.name, byCluster);
  }

  /** Applies one change as a delta mutation of the XRDs whose entities it changes. */
  protected async applyChange(change: XrdChange): Promise<void> {
    const name = change.type === 'upsert' ? change.xrd.metadata.name : change.name;
    if (change.type === 'upsert') this.remember(change);
    else {
      this.xrds.get(name)?.delete(change.cluster);
      if (this.xrds.get(name)?.size === 0) this.xrds.delete(name);
    }
    // Another XRD may take or free an entity name, so every XRD's output is settled again
    // (from the generator's cache: only the changed XRD is generated).
    const next = this.generateAll();
    const added: Array<{ entity: Entity; locationKey: string }> = [];
    const removed: Array<{ entityRef: string; locationKey: string }> = [];
    for (const xrd of new Set([...this.produced.keys(), ...next.keys()])) {
      const before = this.produced.get(xrd);
      const after = next.get(xrd);
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      if (after) {
        this.options.reports.set(after.report);
        this.announce(after.report);
      } else {
        this.options.reports.delete(xrd);
        this.logged.delete(xrd);
        this.options.logger.info(
          `XRD ${xrd} is gone; its templates and API entity are removed`,
          { xrd },
        );
      }
      const kept = new Set((after?.entities ?? []).map(e => stringifyEntityRef(e)));
      for (const entity of after?.entities ?? [])
        added.push({ entity: withLocation(entity, xrd), locationKey: locationOf(xrd) });
      for (const entity of before?.entities ?? []) {
        const entityRef = stringifyEntityRef(entity);
        if (!kept.has(entityRef)) removed.push({ entityRef, locationKey: locationOf(xrd) });
      }
    }
    this.produced = next;
    this.options.metrics?.observe(this.options.reports.list());
    if (added.length > 0 || removed.length > 0)
      await this.connection?.applyMutation({ type: 'delta', added, removed });
  }

  private generateOne(name: string): GeneratedXrd {
    const observed = [...this.xrds.get(name)!.values()];
    const overrides = this.options.overrides.get(name);
    const input = JSON.stringify([observed, overrides]);
    const cached = this.generated.get(name);
    if (cached?.input === input) return cached.output;
    const output = generateXrdEntities(observed, {
      defaults: this.options.defaults,
      overrides,
    });
    this.generated.set(name, { input, output });
    return output;
  }

  /**
   * Every XRD's entities and report. An entity name two XRDs would make (the same kind in the
   * same group, offered by differently named XRDs) goes to the XRD first by name; the other's
   * report says why it lost it.
   */
  private generateAll(): Map<string, GeneratedXrd> {
    for (const name of [...this.generated.keys()])
      if (!this.xrds.has(name)) this.generated.delete(name);
    const taken = new Map<string, string>();
    const result = new Map<string, GeneratedXrd>();
    for (const name of [...this.xrds.keys()].sort()) {
      const generated = this.generateOne(name);
      const collisions = generated.entities.filter(e => taken.has(stringifyEntityRef(e)));
      for (const e of generated.entities)
        if (!taken.has(stringifyEntityRef(e))) taken.set(stringifyEntityRef(e), name);
      result.set(name, collisions.length === 0 ? generated : withoutCollisions(generated, collisions, taken));
    }
    return result;
  }

  /** One log line per XRD whose report changed and has something to say. */
  private announce(report: XrdReport) {
    const key = JSON.stringify(report);
    if (this.logged.get(report.xrd) === key) return;
    this.logged.set(report.xrd, key);
    const fields = {
      xrd: report.xrd,
      outcome: report.outcome,
      clusters: report.clusters.join(','),
      templates: report.templates.length,
      problems: describeProblems(report),
    };
    if (report.outcome === 'failed' || report.outcome === 'partial') {
      this.options.logger.warn(
        `XRD ${report.xrd}: ${
          report.outcome === 'failed' ? 'no template' : 'not every version has a template'
        }; the platform team should fix the problems listed`,
        fields,
      );
    } else if (report.problems.length > 0) {
      this.options.logger.info(`XRD ${report.xrd}: ${report.outcome}, with warnings`, fields);
    } else {
      this.options.logger.debug(`XRD ${report.xrd}: ${report.outcome}`, fields);
    }
  }
}
