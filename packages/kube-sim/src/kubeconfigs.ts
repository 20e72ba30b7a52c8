/*
 * The kubeconfigs the simulator writes: its URL, its serving certificate as the CA to trust, and a
 * user that authenticates with a bearer token or a client certificate.
 */
import YAML from 'yaml';
import type { ClientCertificate } from './auth/clientCertificates';

export type KubeconfigCredentials = { token: string } | ClientCertificate;

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

export function kubeconfig(
  url: string,
  user: string,
  credentials: KubeconfigCredentials,
  caCertificate?: string,
): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kube-sim',
        // client-node refuses plain HTTP unless TLS verification is off; there is no TLS to verify.
        cluster: caCertificate
          ? {
              server: url,
              'certificate-authority-data': base64(caCertificate),
            }
          : { server: url, 'insecure-skip-tls-verify': true },
      },
    ],
    users: [
      {
        name: user,
        user:
          'token' in credentials
            ? { token: credentials.token }
            : {
                'client-certificate-data': base64(credentials.cert),
                'client-key-data': base64(credentials.key),
              },
      },
    ],
    contexts: [
      { name: `${user}@kube-sim`, context: { cluster: 'kube-sim', user } },
    ],
    'current-context': `${user}@kube-sim`,
  });
}
