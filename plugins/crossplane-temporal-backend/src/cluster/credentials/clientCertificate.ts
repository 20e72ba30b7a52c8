/*
 * A client certificate and key for mutual TLS (kube-apiserver's x509 authentication), read once at
 * start and checked then: a file that cannot be read, is not PEM, or a key that is not the
 * certificate's would otherwise surface only as a TLS failure on the first request.
 */
import crypto from 'node:crypto';
import { readFile } from './files';
import type { CredentialSource } from './types';

export function clientCertificateCredentials(
  certFile: string,
  keyFile: string,
): CredentialSource {
  const cert = readFile(certFile, 'the client certificate');
  const key = readFile(keyFile, 'the client key');
  let certificate: crypto.X509Certificate;
  let privateKey: crypto.KeyObject;
  try {
    certificate = new crypto.X509Certificate(cert);
  } catch {
    throw new Error(
      `the client certificate ${certFile} is not a PEM certificate`,
    );
  }
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch {
    throw new Error(`the client key ${keyFile} is not a PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new Error(
      `the client key ${keyFile} is not the key of the client certificate ${certFile}`,
    );
  return {
    authenticate: async () => ({ headers: {}, cert, key }),
    // Nothing to fetch again: a refused certificate stays refused.
    refresh: async () => {},
  };
}
