import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throwaway certificate authority and two certificates it signed. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  caPem: string;
  /** Server certificate for 127.0.0.1 / localhost. */
  serverCertFile: string;
  /** Unencrypted PKCS#8 key, the form Kafka's `ssl.keystore.type=PEM` reads without a password. */
  serverKeyFile: string;
  /** Private key, certificate and CA in one file: a Kafka PEM keystore (`ssl.keystore.location`). */
  serverKeystoreFile: string;
  /** Client certificate (CN=synchook-test-client) for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
}

// EC P-256 keys: generating RSA keys costs noticeably more per broker start, and both Kafka's PEM
// keystore (RSA, DSA, EC) and Node's TLS accept EC.
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];
const DAYS = '3650';

/** Makes a CA, a server certificate (SAN IP:127.0.0.1, DNS:localhost) and a client certificate under `dir`. */
export async function createTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`openssl ${args[0]} failed while making test certificates in ${dir}: ${stderr.trim() || String(error)}. The harness needs OpenSSL 3 on PATH (Debian: apt-get install -y openssl).`);
    }
  };
  const serial = () => `0x${randomBytes(8).toString('hex')}`;

  await openssl(['req', '-x509', ...KEY_ARGS, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', DAYS,
    '-subj', '/CN=synchook-test-ca', '-set_serial', serial(),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  // `req -x509 -CA` (OpenSSL 3) issues a certificate signed by the CA in one step, no CSR file.
  const issue = (name: string, subject: string, extensions: string[]) =>
    openssl(['req', '-x509', ...KEY_ARGS, '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-days', DAYS,
      '-subj', subject, '-set_serial', serial(), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
      '-addext', 'basicConstraints=critical,CA:FALSE', ...extensions.flatMap((extension) => ['-addext', extension])]);
  await Promise.all([
    issue('server', '/CN=localhost', ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth,clientAuth', 'keyUsage=critical,digitalSignature,keyAgreement']),
    issue('client', '/CN=synchook-test-client', ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature,keyAgreement']),
  ]);

  const [caPem, serverKey, serverCert] = await Promise.all(['ca.crt', 'server.key', 'server.crt'].map((name) => readFile(file(name), 'utf8')));
  await writeFile(file('server.keystore.pem'), `${serverKey!.trim()}\n${serverCert!.trim()}\n${caPem!.trim()}\n`, { mode: 0o600 });
  return {
    dir,
    caFile: file('ca.crt'),
    caPem: caPem!,
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    serverKeystoreFile: file('server.keystore.pem'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}
