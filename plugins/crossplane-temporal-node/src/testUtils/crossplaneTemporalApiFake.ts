/*
 * A stand-in for the crossplane-temporal backend plugin's REST API, for testing what calls it
 * (the -node service, the scaffolder actions, the actions registry) without Temporal or a
 * cluster. It is a real backend plugin with the real plugin ID, so discovery, tokens and
 * `httpAuth` work as they do in production; every request is validated against the plugin's
 * OpenAPI document, and so is every answer it gives, so that
 * it cannot drift from the contract unnoticed.
 *
 * Its resources move one phase further each time their phase is read, which makes waiting code
 * testable without clocks. It keeps every call, with the principal that made it, for assertions.
 */
import {
  coreServices,
  createBackendPlugin,
  type BackendFeature,
  type BackstageCredentials,
  type HttpAuthService,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  CROSSPLANE_TEMPORAL_PLUGIN_ID,
  resourceWorkflowId,
  type DryRunAnswer,
  type DryRunComposedResource,
  type DryRunOperation,
  type ResourceRef,
  type Schemas,
} from '@crossplane-temporal/plugin-crossplane-temporal-common';
import express, { type Request, type Response } from 'express';
import Router from 'express-promise-router';
import { randomUUID } from 'node:crypto';
import type { ResourcePhase } from '../phases';

/** A kind the fake offers. @public */
export interface FakeRequestableKind {
  cluster: string;
  apiVersion: string;
  kind: string;
  /** The namespaces anyone may use; others are refused with 403. */
  namespaces: string[];
  policy: Schemas['ResourcePolicy'];
  /** What the composition makes, for dry runs. */
  composed: DryRunComposedResource[];
}

/** A call the fake answered. @public */
export interface FakeApiCall {
  method: string;
  path: string;
  body: unknown;
  /** `user:default/alice`, or `service:<subject>` for a service acting on its own. */
  principal: string;
  status: number;
  /** For accepted requests: false when the request ID had been accepted before. */
  firstTime?: boolean;
}

/** @public */
export interface CrossplaneTemporalApiFakeOptions {
  /** The plugin's OpenAPI document (src/schema/openapi.yaml of the backend plugin, parsed). */
  document: object;
  kinds?: FakeRequestableKind[];
  /** The phases a provision goes through, one per phase read; default ends in Ready. */
  provisionPhases?: ResourcePhase[];
  /** How many phase reads after an accepted provision answer 404 (the cache catching up). */
  unseenPhaseReads?: number;
}

/** The kind the fake offers unless told otherwise. @public */
export const FAKE_POSTGRES_KIND: FakeRequestableKind = {
  cluster: 'local',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  namespaces: ['team-alpha', 'team-beta'],
  policy: { drift: 'repair', readyTimeoutSeconds: 600 },
  composed: [
    { apiVersion: 'sql.example.org/v1alpha1', kind: 'Database' },
    { apiVersion: 'sql.example.org/v1alpha1', kind: 'User' },
  ],
};

/** A resource of the default kind, in a namespace the stand-in lets anyone use. @public */
export const SAMPLE_RESOURCE_REF = {
  cluster: 'local',
  namespace: 'team-alpha',
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'PostgreSQLInstance',
  name: 'orders-db',
};

const DEFAULT_PROVISION_PHASES: ResourcePhase[] = [
  'Pending',
  'Validating',
  'Applying',
  'WaitingForReady',
  'Ready',
];

interface FakeResource {
  ref: ResourceRef;
  workflowId: string;
  owner: string;
  component?: string;
  requestedBy: string;
  spec: Record<string, unknown>;
  /** The phases still to come, the current one first. */
  script: ResourcePhase[];
  requestIds: Map<string, Schemas['Operation'] | 'retry'>;
  steps: Schemas['Step'][];
  pendingApproval?: Schemas['PendingApproval'];
  unseenReads: number;
  updatedAt: string;
}

/** The fake's handle: its backend feature and what it saw. @public */
export interface CrossplaneTemporalApiFake {
  feature: BackendFeature;
  calls: FakeApiCall[];
  /** Requests accepted for the first time (not repeats of a request ID, not dry runs, not reads). */
  acceptedWrites(): FakeApiCall[];
  /** The phase a resource is in now, without moving it on. */
  phaseOf(ref: ResourceRef): ResourcePhase | undefined;
}

const RESOURCE_PATH = '/resources/:cluster/:namespace/:group/:kind/:name';

function principalOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return principal.type === 'user'
    ? principal.userEntityRef!
    : `service:${principal.subject}`;
}

/** @public */
export function createCrossplaneTemporalApiFake(
  options: CrossplaneTemporalApiFakeOptions,
): CrossplaneTemporalApiFake {
  const kinds = options.kinds ?? [FAKE_POSTGRES_KIND];
  const resources = new Map<string, FakeResource>();
  const calls: FakeApiCall[] = [];
  const now = () => new Date().toISOString();

  function kindFor(params: Record<string, string>) {
    const kind = kinds.find(
      k =>
        k.cluster === params.cluster &&
        k.apiVersion.startsWith(`${params.group}/`) &&
        k.kind === params.kind,
    );
    if (!kind) {
      throw new NotFoundError(
        `no XRD on cluster '${params.cluster}' offers ${params.kind} of group ${params.group}; list what may be requested with GET /kinds`,
      );
    }
    return kind;
  }

  function refOf(params: Record<string, string>): ResourceRef {
    const kind = kindFor(params);
    return {
      cluster: params.cluster,
      apiVersion: kind.apiVersion,
      kind: params.kind,
      namespace: params.namespace,
      name: params.name,
    };
  }

  function existing(params: Record<string, string>): FakeResource {
    const resource = resources.get(resourceWorkflowId(refOf(params)));
    if (!resource || resource.script[0] === 'Deleted') {
      throw new NotFoundError(
        `${params.kind} ${params.namespace}/${params.name} on ${params.cluster} does not exist`,
      );
    }
    return resource;
  }

  function checkNamespace(params: Record<string, string>) {
    const kind = kindFor(params);
    if (!kind.namespaces.includes(params.namespace)) {
      throw new NotAllowedError(
        `your groups may not use namespace '${params.namespace}' on cluster '${
          params.cluster
        }'; use one of: ${kind.namespaces.join(', ')}`,
      );
    }
  }

  function step(
    resource: FakeResource,
    phase: ResourcePhase,
    requestId?: string,
  ) {
    resource.steps.push({
      seq: resource.steps.length + 1,
      at: now(),
      ...(requestId ? { requestId } : {}),
      step: phase,
      outcome: phase === 'Failed' ? 'failed' : 'info',
      message: `phase ${phase}`,
    });
    resource.updatedAt = now();
  }

  /** Moves a resource one phase on, unless it waits for an approver or has arrived. */
  function advance(resource: FakeResource) {
    if (resource.script.length <= 1 || resource.pendingApproval) return;
    resource.script.shift();
    const phase = resource.script[0];
    const latest = [...resource.requestIds.keys()].pop();
    if (phase === 'AwaitingApproval') {
      resource.pendingApproval = {
        requestId: latest!,
        operation: 'provision',
        requestedBy: resource.requestedBy,
        approvers: ['group:default/platform-team'],
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      };
    }
    step(resource, phase, latest);
  }

  function summary(resource: FakeResource): Schemas['ResourceSummary'] {
    const phase = resource.script[0];
    return {
      ref: resource.ref,
      workflowId: resource.workflowId,
      phase,
      owner: resource.owner,
      ...(resource.component ? { component: resource.component } : {}),
      ready: phase === 'Ready' ? 'True' : 'False',
      ...(resource.pendingApproval
        ? { pendingApproval: resource.pendingApproval }
        : {}),
      updatedAt: resource.updatedAt,
      freshness: { observedAt: now(), ageSeconds: 0 },
    };
  }

  function accepted(
    res: Response,
    resource: FakeResource,
    requestId: string,
    firstTime: boolean,
  ): Schemas['RequestAccepted'] {
    (res.locals.call as FakeApiCall).firstTime = firstTime;
    return {
      requestId,
      firstTime,
      workflowId: resource.workflowId,
      ref: resource.ref,
    };
  }

  /** A request ID seen before answers its first outcome again, doing nothing. */
  function repeated(
    res: Response,
    resource: FakeResource | undefined,
    requestId: string | undefined,
  ) {
    return resource && requestId && resource.requestIds.has(requestId)
      ? accepted(res, resource, requestId, false)
      : undefined;
  }

  function dryRunAnswer(
    operation: DryRunOperation,
    ref: ResourceRef,
    spec: Record<string, unknown> | undefined,
    labels?: Record<string, string>,
  ): DryRunAnswer {
    const kind = kinds.find(k => k.apiVersion === ref.apiVersion)!;
    return {
      operation,
      ref,
      workflowId: resourceWorkflowId(ref),
      object: {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          labels: {
            'app.kubernetes.io/managed-by': 'crossplane-temporal',
            ...labels,
          },
        },
        ...(spec ? { spec } : {}),
      },
      composed: kind.composed.map(c => ({ ...c, namespace: ref.namespace })),
      approvalRequired: Boolean(
        kind.policy.approval?.operations.includes(operation),
      ),
    };
  }

  function routes(httpAuth: HttpAuthService) {
    const router = Router();
    const api = createValidatedOpenApiRouter(
      // A parsed OpenAPI document; the router checks its shape as it reads it.
      options.document as Parameters<typeof createValidatedOpenApiRouter>[0],
      {
        middleware: [express.json({ limit: '256kb' })],
        validatorOptions: { validateResponses: true },
      },
    ) as unknown as express.Router;
    router.use(api);

    /** Records the call and who made it; changes need a person, as the real API says. */
    async function caller(req: Request, res: Response, change: boolean) {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const call: FakeApiCall = {
        method: req.method,
        path: req.path,
        body: req.body,
        principal: principalOf(credentials),
        status: 0,
      };
      calls.push(call);
      res.locals.call = call;
      res.on('finish', () => {
        call.status = res.statusCode;
      });
      if (change && credentials.principal.type !== 'user') {
        throw new NotAllowedError(
          "requests that change resources are made on behalf of a user: call with the user's credentials, not a service token",
        );
      }
      return call.principal;
    }

    api.post(`${RESOURCE_PATH}/provision`, async (req, res) => {
      const principal = await caller(req, res, true);
      const ref = refOf(req.params);
      checkNamespace(req.params);
      const workflowId = resourceWorkflowId(ref);
      const current = resources.get(workflowId);
      const again = repeated(res, current, req.body.requestId);
      if (again) {
        res.status(202).json(again);
        return;
      }
      if (current && current.script[0] !== 'Deleted') {
        throw new ConflictError(
          `${ref.kind} ${ref.namespace}/${ref.name} is already provisioned (phase ${current.script[0]}); update it instead`,
        );
      }
      const requestId = req.body.requestId ?? randomUUID();
      const resource: FakeResource = {
        ref,
        workflowId,
        requestedBy: principal,
        owner: req.body.owner ?? 'group:default/team-alpha',
        ...(req.body.component ? { component: req.body.component } : {}),
        spec: req.body.spec,
        script: [...(options.provisionPhases ?? DEFAULT_PROVISION_PHASES)],
        requestIds: new Map([[requestId, 'provision']]),
        steps: [],
        unseenReads: options.unseenPhaseReads ?? 0,
        updatedAt: now(),
      };
      step(resource, resource.script[0], requestId);
      resources.set(workflowId, resource);
      res.status(202).json(accepted(res, resource, requestId, true));
    });

    api.post(`${RESOURCE_PATH}/update`, async (req, res) => {
      await caller(req, res, true);
      checkNamespace(req.params);
      const resource = existing(req.params);
      const again = repeated(res, resource, req.body.requestId);
      if (again) {
        res.status(202).json(again);
        return;
      }
      if (!['Ready', 'Failed'].includes(resource.script[0])) {
        throw new ConflictError(
          `${resource.ref.name} is ${resource.script[0]}; it can be updated once it is Ready or Failed`,
        );
      }
      const requestId = req.body.requestId ?? randomUUID();
      resource.requestIds.set(requestId, 'update');
      resource.spec = req.body.spec;
      resource.script = ['Applying', 'WaitingForReady', 'Ready'];
      step(resource, 'Applying', requestId);
      res.status(202).json(accepted(res, resource, requestId, true));
    });

    api.post(`${RESOURCE_PATH}/deprovision`, async (req, res) => {
      await caller(req, res, true);
      checkNamespace(req.params);
      const resource = existing(req.params);
      const again = repeated(res, resource, req.body.requestId);
      if (again) {
        res.status(202).json(again);
        return;
      }
      const requestId = req.body.requestId ?? randomUUID();
      resource.requestIds.set(requestId, 'deprovision');
      resource.script = ['Deprovisioning', 'Deleted'];
      step(resource, 'Deprovisioning', requestId);
      res.status(202).json(accepted(res, resource, requestId, true));
    });

    api.post(`${RESOURCE_PATH}/approval`, async (req, res) => {
      await caller(req, res, true);
      const resource = existing(req.params);
      const pending = resource.pendingApproval;
      if (!pending || pending.requestId !== req.body.requestId) {
        throw new ConflictError(
          `no request ${req.body.requestId} of ${resource.ref.name} is waiting for approval`,
        );
      }
      resource.pendingApproval = undefined;
      if (!req.body.approved) resource.script = ['Rejected'];
      step(resource, resource.script[0], pending.requestId);
      res.status(200).json(accepted(res, resource, pending.requestId, true));
    });

    api.post(`${RESOURCE_PATH}/retry`, async (req, res) => {
      await caller(req, res, true);
      const resource = existing(req.params);
      if (resource.script[0] !== 'Failed') {
        throw new ConflictError(
          `${resource.ref.name} is ${resource.script[0]}: only a failed operation can be retried`,
        );
      }
      const requestId = req.body.requestId ?? randomUUID();
      resource.requestIds.set(requestId, 'retry');
      resource.script = ['Applying', 'WaitingForReady', 'Ready'];
      step(resource, 'Applying', requestId);
      res.status(202).json(accepted(res, resource, requestId, true));
    });

    api.post(`${RESOURCE_PATH}/:operation/dry-run`, async (req, res) => {
      await caller(req, res, true);
      const operation = req.params.operation as DryRunOperation;
      const ref = refOf(req.params);
      checkNamespace(req.params);
      const current = resources.get(resourceWorkflowId(ref));
      const exists = current && current.script[0] !== 'Deleted';
      if (operation === 'provision' && exists) {
        throw new ConflictError(
          `${ref.kind} ${ref.namespace}/${ref.name} is already provisioned; update it instead`,
        );
      }
      if (operation !== 'provision' && !exists) {
        throw new NotFoundError(
          `${ref.kind} ${ref.namespace}/${ref.name} on ${ref.cluster} does not exist`,
        );
      }
      res
        .status(200)
        .json(
          dryRunAnswer(
            operation,
            ref,
            req.body.spec ?? current?.spec,
            req.body.labels,
          ),
        );
    });

    api.get(`${RESOURCE_PATH}/phase`, async (req, res) => {
      await caller(req, res, false);
      const resource = existing(req.params);
      if (resource.unseenReads > 0) {
        resource.unseenReads -= 1;
        throw new NotFoundError(`${resource.ref.name} is not known yet`);
      }
      const { ref, phase, ready, freshness } = summary(resource);
      advance(resource);
      res.json({ ref, phase, ...(ready ? { ready } : {}), freshness });
    });

    api.get(`${RESOURCE_PATH}/steps`, async (req, res) => {
      await caller(req, res, false);
      const resource = existing(req.params);
      res.json({
        ref: resource.ref,
        workflowId: resource.workflowId,
        phase: resource.script[0],
        items: resource.steps,
        freshness: { observedAt: now(), ageSeconds: 0 },
      });
    });

    api.get(RESOURCE_PATH, async (req, res) => {
      await caller(req, res, false);
      const resource = existing(req.params);
      const kind = kindFor(req.params);
      res.json({
        ...summary(resource),
        conditions: [],
        desiredSpec: resource.spec,
        policy: kind.policy,
      });
    });

    api.get('/resources', async (req, res) => {
      await caller(req, res, false);
      const items = [...resources.values()]
        .filter(
          r => !req.query.namespace || r.ref.namespace === req.query.namespace,
        )
        .filter(r => !req.query.phase || r.script[0] === req.query.phase)
        .map(summary);
      res.json({ items, freshness: { observedAt: now(), ageSeconds: 0 } });
    });

    api.get('/approvals', async (req, res) => {
      await caller(req, res, false);
      const items = [...resources.values()]
        .filter(r => r.pendingApproval)
        .map(r => ({
          ref: r.ref,
          workflowId: r.workflowId,
          owner: r.owner,
          pendingApproval: r.pendingApproval!,
        }));
      res.json({ items, freshness: { observedAt: now(), ageSeconds: 0 } });
    });

    api.get('/kinds', async (req, res) => {
      await caller(req, res, false);
      const items = kinds
        .filter(k => !req.query.cluster || k.cluster === req.query.cluster)
        .map(k => ({
          cluster: k.cluster,
          apiVersion: k.apiVersion,
          kind: k.kind,
          xrdName: `x${k.kind.toLowerCase()}s.${k.apiVersion.split('/')[0]}`,
          scope: 'claim' as const,
          schema: { type: 'object' },
          policy: k.policy,
          namespaces: k.namespaces,
        }));
      res.json({ items, freshness: { observedAt: now(), ageSeconds: 0 } });
    });

    return router;
  }

  const feature = createBackendPlugin({
    pluginId: CROSSPLANE_TEMPORAL_PLUGIN_ID,
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
        },
        async init({ httpRouter, httpAuth }) {
          httpRouter.use(routes(httpAuth));
        },
      });
    },
  });

  return {
    feature,
    calls,
    acceptedWrites: () => calls.filter(c => c.firstTime === true),
    phaseOf: ref => resources.get(resourceWorkflowId(ref))?.script[0],
  };
}
