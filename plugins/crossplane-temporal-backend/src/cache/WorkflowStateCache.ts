/*
 * What the resource workflows last reported, kept in memory so that the API never queries a
 * workflow per request: each workflow's status is read once per change. What says a workflow
 * changed is behind `ChangeFeed`: the visibility feed (VisibilityChangeFeed.ts) where workflows
 * keep their search attributes current, the backend's own accepted requests, and the cluster
 * cache's news about a resource's objects. While a workflow is between resting phases (it is
 * validating, applying, waiting for Ready or for an approval), its status is read again with
 * backoff until it rests, since some of its changes (timers, a confirming read) make no news of
 * their own until its workflow keeps the search attributes current.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ResourcePhase,
  ResourceStatus,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';

export interface WorkflowEntry {
  workflowId: string;
  status: ResourceStatus;
  /** When the status was read (epoch ms). */
  readAt: number;
  /** When the workflow last did something, from its newest step (ISO time). */
  updatedAt?: string;
}

/** Where statuses and the list of workflows come from (the ResourceWorkflowClient). */
export interface WorkflowStatusSource {
  statusOf(workflowId: string): Promise<ResourceStatus>;
  /** The resource workflows visibility knows, newest run first per workflow. */
  list(query?: string): AsyncIterable<{
    workflowId: string;
    status: { name: string };
  }>;
}

/** Tells the cache which workflows changed. */
export interface ChangeFeed {
  /** `knownUntil`: the cache has read every workflow's state as of this time. */
  start(onChanged: (workflowIds: string[]) => void, knownUntil: Date): void;
  stop(): Promise<void>;
}

export interface WorkflowStateCacheOptions {
  source: WorkflowStatusSource;
  logger: LoggerService;
  feeds?: ChangeFeed[];
  /** Reads in flight at once. Default 4. */
  concurrency?: number;
  /** Re-reads of a workflow between resting phases: first after, then doubling up to. */
  followUp?: { initialMs: number; maxMs: number };
  now?: () => number;
}

/** Phases a workflow stays in until someone asks for something or the cluster changes. */
const RESTING: ReadonlySet<ResourcePhase> = new Set([
  'Ready',
  'Failed',
  'Deleted',
  'Rejected',
  'Expired',
]);

export const isResting = (phase: ResourcePhase) => RESTING.has(phase);

type Listener = (next: WorkflowEntry, previous?: WorkflowEntry) => void;

export class WorkflowStateCache {
  private readonly entries = new Map<string, WorkflowEntry>();
  private readonly listeners = new Set<Listener>();
  /** IDs to read; a Set keeps each once however often it changes meanwhile. */
  private readonly pending = new Set<string>();
  private readonly reading = new Set<string>();
  private readonly followUps = new Map<
    string,
    { timer: NodeJS.Timeout; delayMs: number }
  >();
  private readonly idleWaiters = new Set<() => void>();
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private stopped = false;
  /** When the initial load finished (0 before). */
  loadedAt = 0;

  constructor(private readonly options: WorkflowStateCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads every workflow visibility knows, then follows the feeds. */
  async start(): Promise<void> {
    const loading = new Date(this.now());
    const seen = new Set<string>();
    for await (const execution of this.options.source.list()) {
      // The newest run of each workflow comes first.
      if (seen.has(execution.workflowId)) continue;
      seen.add(execution.workflowId);
      this.refresh(execution.workflowId);
    }
    await this.whenIdle();
    this.loadedAt = this.now();
    // What changed after the load began may not be in what it read: the feeds start there.
    for (const feed of this.options.feeds ?? [])
      feed.start(ids => ids.forEach(id => this.refresh(id)), loading);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.followUps.values()) clearTimeout(timer);
    this.followUps.clear();
    for (const timer of this.settling.values()) clearTimeout(timer);
    this.settling.clear();
    this.pending.clear();
    await Promise.all((this.options.feeds ?? []).map(f => f.stop()));
    await this.whenIdle();
  }

  get(workflowId: string): WorkflowEntry | undefined {
    return this.entries.get(workflowId);
  }

  all(): IterableIterator<WorkflowEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Calls `listener` with every change of a workflow's status the cache sees. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the workflow's status soon (once, however often it is asked meanwhile). */
  refresh(workflowId: string): void {
    if (this.stopped) return;
    this.pending.add(workflowId);
    this.pump();
  }

  /**
   * Reads the workflow's status now and once more a little later: news about its resource (a
   * cluster change) usually reaches the workflow a moment after it reaches the cache.
   */
  refreshAfterNews(workflowId: string, settleMs = 1_000): void {
    this.refresh(workflowId);
    if (this.settling.has(workflowId) || this.stopped) return;
    const timer = setTimeout(() => {
      this.settling.delete(workflowId);
      this.refresh(workflowId);
    }, settleMs);
    timer.unref();
    this.settling.set(workflowId, timer);
  }

  /** Resolves once no read is pending or in flight. */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0 && this.reading.size === 0)
      return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.add(resolve));
  }

  private pump() {
    const limit = this.options.concurrency ?? 4;
    for (const id of this.pending) {
      if (this.reading.size >= limit) return;
      if (this.reading.has(id)) continue;
      this.pending.delete(id);
      this.reading.add(id);
      void this.read(id).finally(() => {
        this.reading.delete(id);
        this.pump();
        if (this.pending.size === 0 && this.reading.size === 0) {
          for (const resolve of [...this.idleWaiters]) resolve();
          this.idleWaiters.clear();
        }
      });
    }
  }

  private async read(workflowId: string) {
    let status: ResourceStatus;
    try {
      status = await this.options.source.statusOf(workflowId);
    } catch (error) {
      this.options.logger.warn("could not read a resource workflow's status", {
        workflowId,
        error: String(error),
      });
      this.followUp(workflowId, false);
      return;
    }
    const previous = this.entries.get(workflowId);
    const next: WorkflowEntry = {
      workflowId,
      status,
      readAt: this.now(),
      updatedAt: status.steps[status.steps.length - 1]?.at,
    };
    this.entries.set(workflowId, next);
    const changed =
      !previous ||
      previous.status.phase !== status.phase ||
      previous.updatedAt !== next.updatedAt;
    if (changed)
      for (const listener of this.listeners) {
        try {
          listener(next, previous);
        } catch (error) {
          this.options.logger.warn('a workflow status listener failed', {
            workflowId,
            error: String(error),
          });
        }
      }
    this.followUp(workflowId, changed, status.phase);
  }

  /** Reads a workflow that is between resting phases again, later and later until it rests. */
  private followUp(
    workflowId: string,
    changed: boolean,
    phase?: ResourcePhase,
  ) {
    const existing = this.followUps.get(workflowId);
    if (existing) clearTimeout(existing.timer);
    if (this.stopped || (phase && isResting(phase))) {
      this.followUps.delete(workflowId);
      return;
    }
    const { initialMs, maxMs } = this.options.followUp ?? {
      initialMs: 500,
      maxMs: 15_000,
    };
    const delayMs =
      changed || !existing ? initialMs : Math.min(maxMs, existing.delayMs * 2);
    const timer = setTimeout(() => {
      this.followUps.delete(workflowId);
      this.refresh(workflowId);
    }, delayMs);
    timer.unref();
    this.followUps.set(workflowId, { timer, delayMs });
  }
}
