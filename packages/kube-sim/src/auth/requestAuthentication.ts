/*
 * Who a request comes from, in kube-apiserver's order: a client certificate the TLS handshake
 * verified, then a bearer token, from the users file or a service account token. Nothing that
 * authenticates means 401.
 */
import type http from 'node:http';
import { clientCertificateIdentity } from './clientCertificates';
import {
  bearerToken,
  type Authenticated,
  type TokenAuthenticator,
} from './identities';
import type { ServiceAccountTokens } from './serviceAccountTokens';

export class RequestAuthenticator {
  constructor(
    private readonly staticTokens: TokenAuthenticator,
    private readonly serviceAccountTokens: ServiceAccountTokens,
  ) {}

  authenticate(req: http.IncomingMessage): Authenticated | undefined {
    const fromCertificate = clientCertificateIdentity(req.socket);
    if (fromCertificate) return fromCertificate;
    const token = bearerToken(req.headers.authorization);
    if (!token) return undefined;
    return (
      this.staticTokens.authenticate(token) ??
      this.serviceAccountTokens.authenticate(token)
    );
  }
}
