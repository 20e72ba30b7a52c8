/*
 * The only production code that starts, signals, updates or queries a resource workflow. The
 * REST API, the benchmarks and the test harness go through it; other plugins go through the REST
 * API. Every refusal and failure leaves it as a Backstage error (see workflowErrors.ts).
 *
 * A provision starts the resource's workflow if it does not run yet (conflict policy: use the
 * running one) and hands it the request as the `provision` update: the workflow's validator
 * refuses what it cannot accept, with a typed failure the caller gets back, and a request whose
 * ID the workflow has accepted before is answered (`firstTime: false`) instead of being done
 * twice (the workflow keeps the IDs across continue-as-new). Signal-with-start could do neither:
 * a signal cannot be refused, nor answered.
 */
import {
  type Client,
  type WorkflowHandle,
  WorkflowIdConflictPolicy,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import {
  describeResourceRef,
  resourceWorkflowId,
  type ApprovalDecision,
  type DeprovisionRequest,
  type PendingApproval,
  type ProvisionRequest,
  type ResourceRef,
  type ResourceStatus,
  type StepRecord,
  type UpdateRequest,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import {
  decideApprovalUpdate,
  deprovisionUpdate,
  historyQuery,
  pendingApprovalQuery,
  provisionUpdate,
  retryUpdate,
  statusQuery,
  updateSpecUpdate,
  type RequestAccepted,
} from '../workflows/definitions';
import type {
  resourceWorkflow,
  ResourceWorkflowOptions,
} from '../workflows/resourceWorkflow';
import { resourceSearchAttributes } from '../searchAttributes';
import { toBackstageError } from './workflowErrors';

/** The workflow type, as workers register it. */
export const RESOURCE_WORKFLOW_TYPE = 'resourceWorkflow';

/** A request the workflow accepted. */
export interface AcceptedRequest extends RequestAccepted {
  workflowId: string;
}

export interface ResourceWorkflowClientOptions {
  client: Client;
  taskQueue: string;
  /**
   * Whether the custom search attributes are registered in the namespace: then workflows start
   * with them (see searchAttributes.ts); a start with unregistered ones would be refused.
   */
  searchAttributes?: boolean | (() => boolean);
  /**
   * How long a request may wait for a worker to take it before the caller is told to try again.
   * Default 30 s; 0 waits as long as it takes (tests whose workers restart).
   */
  requestTimeoutMs?: number;
  /** Told of every accepted request, so that caches read the workflow's new state. */
  onAccepted?: (workflowId: string) => void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class ResourceWorkflowClient {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: ResourceWorkflowClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.requestTimeoutMs =
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Starts the resource's workflow if it does not run, and asks it to provision. */
  async provision(
    request: ProvisionRequest,
    options: {
      /** For tests and benchmarks: how the workflow waits and calls the cluster. */
      workflowOptions?: ResourceWorkflowOptions;
      workflowTaskTimeout?: Duration;
    } = {},
  ): Promise<AcceptedRequest> {
    const { ref } = request;
    const workflowId = resourceWorkflowId(ref);
    return this.send('provision', ref, async () => {
      const handle = await this.client.workflow.start<typeof resourceWorkflow>(
        RESOURCE_WORKFLOW_TYPE,
        {
          workflowId,
          taskQueue: this.taskQueue,
          args: [{ ref, options: options.workflowOptions }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          workflowTaskTimeout: options.workflowTaskTimeout,
          typedSearchAttributes: this.withSearchAttributes()
            ? resourceSearchAttributes({
                ref,
                owner: request.owner,
                component: request.component,
                phase: 'Pending',
                at: new Date(),
              })
            : undefined,
        },
      );
      return handle.executeUpdate(provisionUpdate, {
        args: [request],
      });
    });
  }

  updateSpec(ref: ResourceRef, request: UpdateRequest) {
    return this.send('update', ref, handle =>
      handle.executeUpdate(updateSpecUpdate, {
        args: [request],
      }),
    );
  }

  deprovision(ref: ResourceRef, request: DeprovisionRequest) {
    return this.send('deprovision', ref, handle =>
      handle.executeUpdate(deprovisionUpdate, {
        args: [request],
      }),
    );
  }

  decideApproval(ref: ResourceRef, decision: ApprovalDecision) {
    return this.send('approval', ref, handle =>
      handle.executeUpdate(decideApprovalUpdate, {
        // The same decision sent again is answered, not repeated; another person's is their own.
        updateId: `decision:${decision.requestId}:${decision.decidedBy}`,
        args: [decision],
      }),
    );
  }

  retry(ref: ResourceRef, request: { requestId: string; requestedBy: string }) {
    return this.send('retry', ref, handle =>
      handle.executeUpdate(retryUpdate, {
        args: [request],
      }),
    );
  }

  /** The workflow's status; a finished workflow's final one. */
  status(ref: ResourceRef): Promise<ResourceStatus> {
    return this.statusOf(resourceWorkflowId(ref), describeResourceRef(ref));
  }

  /** As `status`, by workflow ID (what caches and visibility know workflows by). */
  async statusOf(
    workflowId: string,
    resource = `the resource of workflow ${workflowId}`,
  ): Promise<ResourceStatus> {
    const handle = this.client.workflow.getHandle(workflowId);
    try {
      const { status } = await this.deadline(() => handle.describe());
      if (status.name === 'COMPLETED') {
        return (await this.deadline(() => handle.result())) as ResourceStatus;
      }
      return await this.deadline(() => handle.query(statusQuery));
    } catch (error) {
      throw toBackstageError(error, { operation: 'status', resource });
    }
  }

  history(ref: ResourceRef): Promise<StepRecord[]> {
    return this.query(ref, 'history', handle => handle.query(historyQuery));
  }

  pendingApproval(ref: ResourceRef): Promise<PendingApproval | undefined> {
    return this.query(ref, 'pending approval', handle =>
      handle.query(pendingApprovalQuery),
    );
  }

  /**
   * The resource workflows visibility knows of (running and recently closed), newest run first
   * per workflow: `query` narrows them in Temporal's visibility query language.
   */
  async *list(query?: string) {
    const base = `WorkflowType = '${RESOURCE_WORKFLOW_TYPE}'`;
    try {
      for await (const execution of this.client.workflow.list({
        query: query ? `${base} AND (${query})` : base,
      })) {
        yield execution;
      }
    } catch (error) {
      throw toBackstageError(error, {
        operation: 'list',
        resource: 'resource workflows',
      });
    }
  }

  private async send(
    operation: string,
    ref: ResourceRef,
    request: (handle: WorkflowHandle) => Promise<RequestAccepted>,
  ): Promise<AcceptedRequest> {
    const workflowId = resourceWorkflowId(ref);
    try {
      const accepted = await this.deadline(() =>
        request(this.client.workflow.getHandle(workflowId)),
      );
      this.options.onAccepted?.(workflowId);
      return { ...accepted, workflowId };
    } catch (error) {
      throw toBackstageError(error, {
        operation,
        resource: describeResourceRef(ref),
      });
    }
  }

  private async query<T>(
    ref: ResourceRef,
    operation: string,
    read: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.deadline(() =>
        read(this.client.workflow.getHandle(resourceWorkflowId(ref))),
      );
    } catch (error) {
      throw toBackstageError(error, {
        operation,
        resource: describeResourceRef(ref),
      });
    }
  }

  private withSearchAttributes(): boolean {
    const { searchAttributes } = this.options;
    return typeof searchAttributes === 'function'
      ? searchAttributes()
      : !!searchAttributes;
  }

  private deadline<T>(call: () => Promise<T>): Promise<T> {
    if (!this.requestTimeoutMs) return call();
    return this.client.withDeadline(Date.now() + this.requestTimeoutMs, call);
  }
}
