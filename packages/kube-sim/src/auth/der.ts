/*
 * Just enough DER (X.690) to write X.509 certificates: node:crypto makes keys and signatures but
 * cannot build a certificate, and the client certificates need subjects (CN and one O per group)
 * that `selfsigned` cannot give them.
 */

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256))
    bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([tag]),
    encodeLength(content.length),
    content,
  ]);
}

function encodeOid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      base128.unshift(0x80 | v % 128);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** RFC 5280: UTCTime through 2049, GeneralizedTime after. */
function encodeTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]|\.\d{3}/g, '');
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(iso, 'ascii'));
}

export const der = {
  sequence: (...items: Buffer[]) => tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]) => tlv(0x31, Buffer.concat(items)),
  /** A non-negative integer from its big-endian bytes. */
  unsignedInteger: (bytes: Buffer) =>
    tlv(
      0x02,
      bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes,
    ),
  smallInteger: (value: number) => tlv(0x02, Buffer.from([value])),
  boolean: (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0])),
  oid: encodeOid,
  utf8String: (value: string) => tlv(0x0c, Buffer.from(value, 'utf8')),
  bitString: (bytes: Buffer, unusedBits = 0) =>
    tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes])),
  octetString: (bytes: Buffer) => tlv(0x04, bytes),
  time: encodeTime,
  /** A context-specific, explicitly tagged value: `[n] EXPLICIT`. */
  explicit: (n: number, content: Buffer) => tlv(0xa0 + n, content),
};

export function toPem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join(
    '\n',
  )}\n-----END ${label}-----\n`;
}
