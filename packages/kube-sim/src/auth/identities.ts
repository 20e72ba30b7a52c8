/*
 * Who a request comes from: bearer tokens from the users file, then impersonation when the
 * authenticated identity may impersonate.
 */
import fs from 'node:fs';
import YAML from 'yaml';

export interface Identity {
  user: string;
  groups: string[];
}

export interface UserEntry extends Identity {
  token: string;
}

export class TokenAuthenticator {
  private readonly byToken = new Map<string, UserEntry>();
  /** Tokens made to expire at run time (admin endpoint), with the time they expire. */
  private readonly expiresAt = new Map<string, number>();

  constructor(users: UserEntry[]) {
    for (const user of users) this.add(user);
  }

  static fromFile(file: string): TokenAuthenticator {
    const parsed = YAML.parse(fs.readFileSync(file, 'utf8')) as {
      users?: UserEntry[];
    };
    if (!Array.isArray(parsed?.users)) {
      throw new Error(
        `${file}: expected a list under 'users' with token, user and groups`,
      );
    }
    return new TokenAuthenticator(parsed.users);
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
    else this.expiresAt.set(token, Date.now() + inMs);
  }

  authenticate(authorization: string | undefined): Identity | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const token = match[1].trim();
    const entry = this.byToken.get(token);
    if (!entry) return undefined;
    const expiry = this.expiresAt.get(token);
    if (expiry !== undefined && Date.now() >= expiry) return undefined;
    return {
      user: entry.user,
      groups: [...new Set([...entry.groups, 'system:authenticated'])],
    };
  }
}
