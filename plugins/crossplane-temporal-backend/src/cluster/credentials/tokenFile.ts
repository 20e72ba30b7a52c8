/*
 * A bearer token read from a file, as projected service-account tokens are: re-read when the file
 * changes, when a JWT is about to expire, and when the server refuses the token.
 */
import fs from 'node:fs/promises';
import type { Authentication, CredentialSource } from './types';

const EXPIRY_SKEW_MS = 60_000;

/** A JWT's `exp` in milliseconds, or undefined when the token is not a JWT. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(
      Buffer.from(parts[1], 'base64url').toString('utf8'),
    );
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class TokenFileCredentials implements CredentialSource {
  private token?: string;
  private mtimeMs = 0;
  private expiresAt?: number;

  constructor(
    private readonly file: string,
    private readonly now = () => Date.now(),
  ) {}

  async authenticate(): Promise<Authentication> {
    const stat = await fs.stat(this.file).catch(error => {
      throw new Error(
        `cannot read the token file ${this.file}: ${
          (error as NodeJS.ErrnoException).code
        }`,
      );
    });
    const stale =
      this.expiresAt !== undefined &&
      this.now() > this.expiresAt - EXPIRY_SKEW_MS;
    if (!this.token || stat.mtimeMs !== this.mtimeMs || stale)
      await this.read(stat.mtimeMs);
    return { headers: { Authorization: `Bearer ${this.token}` } };
  }

  async refresh(): Promise<void> {
    this.token = undefined;
  }

  private async read(mtimeMs: number) {
    const token = (await fs.readFile(this.file, 'utf8')).trim();
    if (!token) throw new Error(`the token file ${this.file} is empty`);
    this.token = token;
    this.mtimeMs = mtimeMs;
    this.expiresAt = jwtExpiry(token);
  }
}
