/*
 * The serving certificate of `--https`: generated at start, self-signed, valid for the addresses a
 * local client uses. Clients trust it as their CA (it goes into the kubeconfig), as kubeadm's
 * clusters hand out their CA.
 */
import { generate } from 'selfsigned';

export interface ServingCertificate {
  /** PEM: the certificate, also the CA to trust. */
  cert: string;
  /** PEM: its private key. */
  key: string;
}

export function generateServingCertificate(host: string): ServingCertificate {
  const isIp = /^[\d.]+$|:/.test(host);
  const altNames = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    ...(host !== 'localhost' && host !== '127.0.0.1'
      ? [isIp ? { type: 7, ip: host } : { type: 2, value: host }]
      : []),
  ];
  const generated = generate([{ name: 'commonName', value: 'kube-sim' }], {
    days: 365,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        digitalSignature: true,
        keyEncipherment: true,
      },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: generated.cert, key: generated.private };
}
