/*
 * Every API request as the simulator saw it: who authenticated, whom they impersonated, what they
 * did to what, and the answer. Tests read it to prove impersonation and to count writes.
 */

/** @public */
export interface AuditRecord {
  seq: number;
  time: string;
  user: string;
  /**
   * The credential that authenticated, as kube-apiserver names it in `user.extra`:
   * `JTI=<token id>` for a service account token, `X509SHA256=<fingerprint>` for a client
   * certificate; none for the users file's tokens.
   */
  credentialId?: string;
  impersonatedUser?: string;
  impersonatedGroups?: string[];
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
  /** The request asked for `dryRun=All`: nothing was written. */
  dryRun?: boolean;
  code: number;
}

const MAX_RECORDS = 50_000;

export class AuditLog {
  private records: AuditRecord[] = [];
  private seq = 0;

  record(entry: Omit<AuditRecord, 'seq' | 'time'>): void {
    this.records.push({
      ...entry,
      seq: ++this.seq,
      time: new Date().toISOString(),
    });
    if (this.records.length > MAX_RECORDS)
      this.records.splice(0, this.records.length - MAX_RECORDS);
  }

  /** Records after `sinceSeq`, optionally only those matching every given field. */
  query(
    filter: Partial<
      Pick<AuditRecord, 'user' | 'verb' | 'resource' | 'namespace' | 'name'>
    > & { sinceSeq?: number } = {},
  ): AuditRecord[] {
    const { sinceSeq = 0, ...fields } = filter;
    return this.records.filter(
      r =>
        r.seq > sinceSeq &&
        Object.entries(fields).every(
          ([k, v]) => v === undefined || (r as any)[k] === v,
        ),
    );
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.records = [];
  }
}
