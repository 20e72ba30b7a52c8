/*
 * x509 client certificates, as kube-apiserver's `--client-ca-file` authenticates them: a CA made at
 * start signs a certificate per identity, whose subject's CN is the user and whose O values are the
 * groups. The TLS handshake verifies the chain (the server asks for a certificate but does not
 * insist); a request whose certificate failed verification falls through to bearer tokens, and to
 * 401 without one, as in kube-apiserver.
 */
import crypto, { type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { der, toPem } from './der';
import type { Authenticated } from './identities';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * PEM of a client certificate and its private key (PKCS #8), as kubeconfigs carry them.
 *
 * @public
 */
export interface ClientCertificate {
  cert: string;
  key: string;
}

function distinguishedName(commonName: string, organizations: string[] = []) {
  const attribute = (oid: string, value: string) =>
    der.set(der.sequence(der.oid(oid), der.utf8String(value)));
  return der.sequence(
    ...organizations.map(o => attribute(OID.organization, o)),
    attribute(OID.commonName, commonName),
  );
}

function extension(oid: string, critical: boolean, value: Buffer) {
  return der.sequence(
    der.oid(oid),
    ...(critical ? [der.boolean(true)] : []),
    der.octetString(value),
  );
}

/** keyUsage bits (RFC 5280 4.2.1.3), first bit first: digitalSignature 0, keyCertSign 5, cRLSign 6. */
const keyUsage = (bits: number[]) => {
  const byte = bits.reduce((b, bit) => b | (0x80 >> bit), 0);
  return der.bitString(Buffer.from([byte]), 7 - Math.max(...bits));
};

export class ClientCertificateAuthority {
  private readonly subject = distinguishedName('kube-sim-client-ca');
  private readonly privateKey: KeyObject;
  /** PEM: what the server verifies client certificates against. */
  readonly certificate: string;

  constructor() {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', {
      namedCurve: 'P-256',
    });
    this.privateKey = privateKey;
    this.certificate = this.sign(this.subject, publicKey, 3650, [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, keyUsage([0, 5, 6])),
    ]);
  }

  /** A certificate and key that authenticate as `user` in `groups`. */
  issue(user: string, groups: string[] = []): ClientCertificate {
    if (!user) throw new Error('a client certificate needs a user (its CN)');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', {
      namedCurve: 'P-256',
    });
    const cert = this.sign(distinguishedName(user, groups), publicKey, 365, [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, keyUsage([0])),
      extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.clientAuth))),
    ]);
    return {
      cert,
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }

  private sign(
    subject: Buffer,
    publicKey: KeyObject,
    days: number,
    extensions: Buffer[],
  ): string {
    const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
    // Valid from a minute ago: a client whose clock is a little behind still accepts it.
    const notBefore = new Date(Date.now() - 60_000);
    const tbs = der.sequence(
      der.explicit(0, der.smallInteger(2)),
      der.unsignedInteger(crypto.randomBytes(16)),
      algorithm,
      this.subject,
      der.sequence(
        der.time(notBefore),
        der.time(new Date(notBefore.getTime() + days * DAY_MS)),
      ),
      subject,
      publicKey.export({ type: 'spki', format: 'der' }),
      der.explicit(3, der.sequence(...extensions)),
    );
    const signature = crypto.sign('sha256', tbs, this.privateKey);
    return toPem(
      'CERTIFICATE',
      der.sequence(tbs, algorithm, der.bitString(signature)),
    );
  }
}

/** Each connection's identity, worked out at its first request: a socket's certificate is fixed. */
const identities = new WeakMap<TLSSocket, Authenticated | undefined>();

/**
 * The identity of a client certificate the TLS handshake verified against the client CA; none for
 * plain HTTP, no certificate, a failed verification or an empty CN.
 */
export function clientCertificateIdentity(
  socket: Socket,
): Authenticated | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  if (!identities.has(socket))
    identities.set(socket, peerIdentity(socket.getPeerCertificate()));
  return identities.get(socket);
}

function peerIdentity(peer: PeerCertificate): Authenticated | undefined {
  const values = (value: string | string[] | undefined) =>
    value === undefined ? [] : [value].flat();
  const [user] = values(peer?.subject?.CN);
  if (!user) return undefined;
  return {
    user,
    groups: [...new Set([...values(peer.subject.O), 'system:authenticated'])],
    // As kube-apiserver names the credential in the audit log's user.extra.
    credentialId: `X509SHA256=${crypto
      .createHash('sha256')
      .update(peer.raw)
      .digest('hex')}`,
  };
}
