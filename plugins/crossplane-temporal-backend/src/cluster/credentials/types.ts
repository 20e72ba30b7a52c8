/** What a request to the cluster needs from its credentials. */
export interface Authentication {
  /** e.g. `Authorization: Bearer ...`. */
  headers: Record<string, string>;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
}

/** One way of authenticating to a cluster. Values never appear in logs or errors. */
export interface CredentialSource {
  authenticate(): Promise<Authentication>;
  /** Called after the server refused the credentials: get fresh ones. */
  refresh(): Promise<void>;
}
