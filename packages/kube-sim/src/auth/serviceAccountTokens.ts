/*
 * Bound service account tokens, as kube-apiserver issues them through the TokenRequest API (what
 * `kubectl create token` and the kubelet's projected volumes ask for): JWTs signed with a key made
 * at start, carrying `exp`, `nbf`, a `jti` and the service account's name and uid. A token
 * authenticates while it has not expired, allowing the minute of clock skew kube-apiserver allows,
 * and while its service account exists with that uid; otherwise the request gets 401.
 */
import crypto from 'node:crypto';
import type { KubeObject } from '../store/types';
import type { Authenticated } from './identities';

/** kube-apiserver's default issuer, which is also the audience the API accepts. */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const LEEWAY_MS = 60_000;

/** @public */
export interface IssuedToken {
  token: string;
  /** RFC 3339, seconds, as the API serialises times. */
  expirationTimestamp: string;
}

interface Claims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
  };
}

const base64url = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

function parseJson(part: string): any {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export class ServiceAccountTokens {
  // ES256: kube-apiserver accepts EC signing keys, and one is made at once.
  private readonly keys = crypto.generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });
  /** As kube-apiserver derives it: the SHA-256 of the public key's DER. */
  private readonly keyId = crypto
    .createHash('sha256')
    .update(this.keys.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url');

  constructor(
    private readonly deps: {
      /** The service account as stored now, if it exists. */
      serviceAccount(namespace: string, name: string): KubeObject | undefined;
      now(): number;
    },
  ) {}

  issue(
    serviceAccount: KubeObject,
    audiences: string[],
    expirationSeconds: number,
  ): IssuedToken {
    const { name, namespace, uid } = serviceAccount.metadata;
    const issuedAt = Math.floor(this.deps.now() / 1000);
    const claims: Claims = {
      iss: ISSUER,
      sub: `system:serviceaccount:${namespace}:${name}`,
      aud: audiences,
      exp: issuedAt + expirationSeconds,
      iat: issuedAt,
      nbf: issuedAt,
      jti: crypto.randomUUID(),
      'kubernetes.io': {
        namespace: namespace!,
        serviceaccount: { name, uid: uid! },
      },
    };
    const signed = `${base64url({ alg: 'ES256', kid: this.keyId })}.${base64url(
      claims,
    )}`;
    const signature = crypto.sign('sha256', Buffer.from(signed), {
      key: this.keys.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return {
      token: `${signed}.${signature.toString('base64url')}`,
      expirationTimestamp: new Date(claims.exp * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  /** The claims of tokens whose signature verified, so a client's every request is not verified again. */
  private readonly verified = new Map<string, Claims | undefined>();

  /** A token's claims if it carries our signature. */
  private signedClaims(token: string): Claims | undefined {
    if (this.verified.has(token)) return this.verified.get(token);
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const header = parseJson(parts[0]);
    if (header?.alg !== 'ES256' || header.kid !== this.keyId) return undefined;
    const signatureValid = crypto.verify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: this.keys.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2], 'base64url'),
    );
    if (!signatureValid) return undefined;
    const claims = parseJson(parts[1]) as Claims | undefined;
    this.verified.set(token, claims);
    return claims;
  }

  /** The service account a token stands for, if it is one of ours and still valid. */
  authenticate(token: string): Authenticated | undefined {
    const claims = this.signedClaims(token);
    const now = this.deps.now();
    if (claims && now - LEEWAY_MS > claims.exp * 1000) {
      // Expired for good: no need to remember it.
      this.verified.delete(token);
      return undefined;
    }
    if (
      claims?.iss !== ISSUER ||
      !claims.aud?.includes(ISSUER) ||
      now + LEEWAY_MS < claims.nbf * 1000
    )
      return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    // A deleted (or deleted and recreated) service account takes its tokens with it.
    const current = this.deps.serviceAccount(namespace, serviceaccount.name);
    if (!current || current.metadata.uid !== serviceaccount.uid)
      return undefined;
    return {
      user: claims.sub,
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${namespace}`,
        'system:authenticated',
      ],
      credentialId: `JTI=${claims.jti}`,
    };
  }
}
