/*
 * Names Crossplane makes up: a claim's composite (`<claim>-<5 random chars>`, as Kubernetes'
 * generateName does) and a composed resource's stable suffix, from its template's name.
 */
import crypto from 'node:crypto';

/** Five characters the way Kubernetes' generateName picks them. */
export function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(
    crypto.randomBytes(5),
    b => alphabet[b % alphabet.length],
  ).join('');
}

export function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 5);
}
