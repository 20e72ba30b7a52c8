export interface Config {
  /** Settings of the crossplane-temporal backend plugin. */
  crossplaneTemporal?: {
    temporal?: {
      /** host:port of the Temporal frontend. Default: the embedded dev server of the local stack. */
      address?: string;
      /** Default: `default`. */
      namespace?: string;
      /** The task queue the resource workflows and their activities run on. Default: `crossplane-temporal`. */
      taskQueue?: string;
      /** TLS towards Temporal; `true` uses the system's CAs. */
      tls?:
        | boolean
        | {
            serverName?: string;
            /** PEM file of the CA that signed the server's certificate. */
            caFile?: string;
            /** mTLS client certificate and key (PEM files). */
            certFile?: string;
            keyFile?: string;
          };
      /**
       * API key for Temporal Cloud or a server that authenticates by bearer token.
       * @visibility secret
       */
      apiKey?: string;
      worker?: {
        /** Run a worker inside the backend. Default: true. Turn off when packages/worker runs the workers. */
        enabled?: boolean;
        /**
         * Run the cluster watchers (informers that turn Crossplane's reports into signals) in this
         * worker. Default: true. Turn off on extra replicas to spare the API servers their watches;
         * at least one worker should keep them, or workflows only notice changes by their
         * periodic reads.
         */
        watchers?: boolean;
        /**
         * The pre-built workflow bundle the worker loads (`workflowBundle: { codePath }`), as
         * Temporal recommends for production, instead of bundling the workflows at start. The
         * build makes it: packing the plugin writes it into the package, so `yarn build:backend`
         * and `yarn workspace @crossplane-temporal/worker build` carry it in their
         * dist/bundle.tar.gz as `plugins/crossplane-temporal-backend/dist/workflow-bundle.js`,
         * where app-config.production.yaml points. A relative path is resolved against the
         * directory the process runs in (the bundle's root in production). When the file is
         * missing, unreadable or not a workflow bundle, the worker does not start, with an error
         * that names this setting and the path. Needed wherever the plugin runs built (it then
         * has no workflow sources to bundle); without it, workers bundle the sources at start.
         */
        workflowBundlePath?: string;
        maxConcurrentActivityTaskExecutions?: number;
        maxConcurrentWorkflowTaskExecutions?: number;
        /**
         * Threads that run workflow code. Default: the SDK's (one). A worker process with more
         * cores than one to spare runs its workflows faster with one per core.
         */
        workflowThreadPoolSize?: number;
        /**
         * How many workflows the worker keeps in memory between their tasks. Resource workflows
         * live as long as their resources, so this bounds the worker's memory; a workflow that is
         * not cached is fetched and replayed from its history when it next has work. Default 100
         * (about 0.6 MB each): size it for the number of resources that change at the same time, not for the
         * number that exist.
         */
        maxCachedWorkflows?: number;
      };
      /**
       * How much of the Temporal SDK core's own logging (connections, polling, failed workflow
       * tasks) reaches the backend's logger, which applies its own level too. Default: `WARN`.
       */
      sdkLogLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
      metrics?: {
        /** Where the Temporal SDK serves its Prometheus metrics, e.g. `0.0.0.0:9464`. Off when absent. */
        prometheusBindAddress?: string;
      };
    };

    /** The clusters resources are provisioned in. */
    clusters?: Array<{
      /** How templates, entities and workflow IDs name the cluster. */
      name: string;
      /** API server URL. Not needed for `inCluster` and `kubeconfig`. */
      url?: string;
      /** PEM file of the CA that signed the API server's certificate. */
      caFile?: string;
      /** For local simulators with self-signed certificates only. */
      skipTLSVerify?: boolean;
      /** How the backend authenticates to the cluster. */
      auth:
        | {
            /** A projected service-account token (or any bearer token) read from a file, re-read when it changes or is refused. */
            type: 'serviceAccountToken';
            tokenFile: string;
          }
        | {
            /** An exec credential plugin (client.authentication.k8s.io), the way OIDC and cloud IAM authenticators work. */
            type: 'exec';
            command: string;
            args?: string[];
            env?: Array<{ name: string; value: string }>;
            /** Default: client.authentication.k8s.io/v1 */
            apiVersion?: string;
          }
        | {
            type: 'clientCertificate';
            certFile: string;
            keyFile: string;
          }
        | {
            /** The pod's service account, when the backend runs in the cluster. */
            type: 'inCluster';
          }
        | {
            /** A kubeconfig file and context (local development). */
            type: 'kubeconfig';
            path: string;
            context?: string;
          };
      /**
       * Whether the requests made for a user (applies and their dry runs, deletes, and reads of a
       * resource's connection secret) are made as that user and their groups, through Kubernetes
       * impersonation (`Impersonate-User`, one `Impersonate-Group` per group), so that the
       * cluster's RBAC separates tenants. The backend's identity then needs read access to the
       * Crossplane objects and the `impersonate` verb on users and groups. With `false`, every
       * request is made as the backend's own identity, which then needs to write claims and
       * namespaced composites itself wherever resources are provisioned (and to read their
       * connection secrets), and the cluster no longer tells tenants apart. Default: true.
       */
      impersonate?: boolean;
      /**
       * Which namespaces of this cluster each team may provision in: per group (an entity ref),
       * its namespaces, `*` for all. A user may use the namespaces of every group they belong
       * to; a cluster without tenants lets no one provision there.
       */
      tenants?: Array<{
        /** e.g. `group:default/team-alpha` */
        group: string;
        namespaces: string[];
      }>;
    }>;

    /**
     * Per XRD, on every cluster that has it: the policy of its resources, winning over the XRD's
     * annotations (`crossplane-temporal.io/approval`, `approvers`, `approval-timeout`, `drift`,
     * `ready-timeout`) setting by setting. The backend enforces it and no request can change it;
     * the catalog module shows it on the XRD's templates and reads its own settings from the same
     * entries (its config schema).
     */
    xrds?: Array<{
      /** The XRD's name, e.g. `xpostgresqlinstances.database.example.org`. */
      name: string;
      policy?: {
        /**
         * Operations that wait for an approval: `none` (the default; it also turns off an
         * approval the annotations ask for), `all`, or a comma-separated list of `provision`,
         * `update`, `deprovision`.
         */
        approval?: string;
        /** Users and groups who may decide, e.g. `group:default/platform-team`. */
        approvers?: string[];
        /** How long a request waits for a decision, e.g. `1d12h`. Default `72h`. */
        approvalTimeout?: string;
        /** What a change made outside Backstage leads to: `notify` (default), `repair` or `ignore`. */
        drift?: 'notify' | 'repair' | 'ignore';
        /** How long Crossplane may take to report Ready, e.g. `20m`. Default `10m`. */
        readyTimeout?: string;
      };
    }>;

    /** The REST API (`/api/crossplane-temporal`). */
    api?: {
      /**
       * How long a request waits for a worker to take it before the caller is told to send it
       * again (503; sent again with the same requestId, it is not done twice). Default 30.
       */
      requestTimeoutSeconds?: number;
    };
  };
}
