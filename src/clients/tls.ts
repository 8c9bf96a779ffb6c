import { createPrivateKey } from 'node:crypto';
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
  if (key !== undefined) checkPrivateKey(key, tls, where);
  return {
    ca: read(tls.caFile, 'caFile'),
    cert: read(tls.certFile, 'certFile'),
    key,
    passphrase: tls.keyPassword,
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

/**
 * Opens the client key with its password before any connection: a wrong password is a
 * configuration error, not a broker that cannot be reached (the TLS handshake would only fail
 * inside the client's retries).
 */
function checkPrivateKey(key: string, tls: TlsConfig, where: string): void {
  const passwordKey = `${where}.tls.${tls.keyPasswordFile !== undefined ? 'keyPasswordFile' : 'keyPassword'}`;
  try {
    createPrivateKey({ key, passphrase: tls.keyPassword });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ERR_MISSING_PASSPHRASE' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED') {
      throw new ConfigError(`${where}.tls.keyFile: ${tls.keyFile} is encrypted and no password is given. Set ${where}.tls.keyPasswordFile.`);
    }
    if (/BAD_DECRYPT|bad decrypt/i.test(`${code} ${(error as Error).message}`)) {
      throw new ConfigError(`${passwordKey}: the password does not open the key ${tls.keyFile}. Mount the key's password there.`);
    }
    throw new ConfigError(`${where}.tls.keyFile: ${tls.keyFile} is not a PEM private key Node can read (${(error as Error).message}). Give the client key in PEM form.`);
  }
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
