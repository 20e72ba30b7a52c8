/*
 * Identities, and the static bearer tokens of the users file (kube-apiserver's
 * `--token-auth-file`), which the admin endpoint can expire and add at run time.
 */
import fs from 'node:fs';
import YAML from 'yaml';

export interface Identity {
  user: string;
  groups: string[];
}

/** An identity as authentication found it. */
export interface Authenticated extends Identity {
  /**
   * Which credential it was, as kube-apiserver records it in the audit log's
   * `user.extra["authentication.kubernetes.io/credential-id"]` (an identifier, not a secret).
   */
  credentialId?: string;
}

/** The token of an `Authorization: Bearer` header. */
export function bearerToken(authorization: string | undefined) {
  return /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1].trim();
}

export interface UserEntry extends Identity {
  token: string;
}

export class TokenAuthenticator {
  private readonly byToken = new Map<string, UserEntry>();
  /** Tokens made to expire at run time (admin endpoint), with the time they expire. */
  private readonly expiresAt = new Map<string, number>();

  constructor(
    users: UserEntry[],
    private readonly now: () => number = Date.now,
  ) {
    for (const user of users) this.add(user);
  }

  static fromFile(file: string, now?: () => number): TokenAuthenticator {
    const parsed = YAML.parse(fs.readFileSync(file, 'utf8')) as {
      users?: UserEntry[];
    };
    if (!Array.isArray(parsed?.users)) {
      throw new Error(
        `${file}: expected a list under 'users' with token, user and groups`,
      );
    }
    return new TokenAuthenticator(parsed.users, now);
  }

  add(user: UserEntry): void {
    this.byToken.set(user.token, { ...user, groups: user.groups ?? [] });
    this.expiresAt.delete(user.token);
  }

  users(): UserEntry[] {
    return [...this.byToken.values()];
  }

  tokenFor(user: string): string | undefined {
    return [...this.byToken.values()].find(u => u.user === user)?.token;
  }

  /** Makes a token expire in `inMs` (0: now); `undefined` makes it valid again. */
  setExpiry(token: string, inMs: number | undefined): void {
    if (inMs === undefined) this.expiresAt.delete(token);
    else this.expiresAt.set(token, this.now() + inMs);
  }

  authenticate(token: string): Authenticated | undefined {
    const entry = this.byToken.get(token);
    if (!entry) return undefined;
    const expiry = this.expiresAt.get(token);
    if (expiry !== undefined && this.now() >= expiry) return undefined;
    return {
      user: entry.user,
      groups: [...new Set([...entry.groups, 'system:authenticated'])],
    };
  }
}
