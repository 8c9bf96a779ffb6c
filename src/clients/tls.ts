import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log.js';
import type { TlsConfig } from '../config/common.js';

/** Node TLS options from a config `tls` block; files are relative to the config's folder. */
export function tlsOptions(tls: TlsConfig | undefined, dir: string, where: string): ConnectionOptions | undefined {
  if (!tls || !tls.enabled) return undefined;
  const read = (file: string | undefined, key: string): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(resolve(dir, file), 'utf8');
    } catch (error) {
      throw new ConfigError(`${where}.tls.${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Mount the file there or fix the path.`);
    }
  };
  const key = read(tls.keyFile, 'keyFile');
  registerSecret(key);
  return {
    ca: read(tls.caFile, 'caFile'),
    cert: read(tls.certFile, 'certFile'),
    key,
    passphrase: tls.keyPassword,
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/** True for certificate-verification failures: fixed by configuration, not by waiting. */
export function isCertificateError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: string }).code;
    if (code && TLS_CODES.has(code)) return true;
    const message = (current as { message?: string }).message ?? '';
    if (/self[- ]signed certificate|unable to verify the first certificate|certificate has expired|Hostname\/IP does not match/i.test(message)) return true;
    current = (current as { cause?: unknown; originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}
