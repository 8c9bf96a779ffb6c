// Puts a pinned, checksum-verified terraform into the image's build, or nothing.
// Runs in the Dockerfile's "terraform" stage with the base image's node, which has no curl or
// unzip: fetch and a small zip reader do. Inputs come from the build arguments:
//   TERRAFORM_VERSION  empty: no terraform (the default image)
//   TERRAFORM_SHA256   required with a version: sha256 of the release zip ("release") or of the
//                      binary ("context")
//   TERRAFORM_SOURCE   "release" (releases.hashicorp.com) or "context" (scripts/image/terraform in
//                      the build context)
// Usage: node terraform.mjs <output folder>
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const out = process.argv[2];
if (!out) fail('usage: node terraform.mjs <output folder>');
mkdirSync(out, { recursive: true });

const version = (process.env.TERRAFORM_VERSION ?? '').trim().replace(/^v/, '');
const expected = (process.env.TERRAFORM_SHA256 ?? '').trim().toLowerCase();
const source = (process.env.TERRAFORM_SOURCE ?? 'release').trim() || 'release';

if (version === '') {
  console.log('terraform: not included (set the build argument TERRAFORM_VERSION to include it)');
  process.exit(0);
}
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) fail(`TERRAFORM_VERSION "${version}" is not a release version such as 1.9.8.`);
if (!/^[0-9a-f]{64}$/.test(expected)) fail(`TERRAFORM_SHA256 must be the 64-hex-digit sha256 of the terraform ${version} ${source === 'context' ? 'binary' : 'zip'}; pinning the checksum is required.`);

let binary;
if (source === 'context') {
  const file = fileURLToPath(new URL('./terraform', import.meta.url));
  if (!existsSync(file)) fail('TERRAFORM_SOURCE=context but the build context has no scripts/image/terraform; build with scripts/build-image.sh --terraform <binary>.');
  binary = readFileSync(file);
  verify(binary, `the terraform binary in the build context`);
} else if (source === 'release') {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? fail(`no terraform release for the architecture ${process.arch}.`);
  const url = `https://releases.hashicorp.com/terraform/${version}/terraform_${version}_linux_${arch}.zip`;
  const response = await fetch(url).catch((error) => fail(`cannot download ${url}: ${error.cause?.message ?? error.message}. Build with TERRAFORM_SOURCE=context where that host is out of reach.`));
  if (!response.ok) fail(`${url} answered HTTP ${response.status}; check TERRAFORM_VERSION.`);
  const zip = Buffer.from(await response.arrayBuffer());
  verify(zip, url);
  binary = extractFromZip(zip, 'terraform');
} else {
  fail(`TERRAFORM_SOURCE "${source}" is neither "release" nor "context".`);
}

const target = join(out, 'terraform');
writeFileSync(target, binary, { mode: 0o755 });
const reported = execFileSync(target, ['version'], { encoding: 'utf8' }).split('\n')[0];
if (reported.trim() !== `Terraform v${version}`) fail(`the binary reports "${reported.trim()}", not Terraform v${version}.`);
console.log(`terraform: ${reported.trim()} (sha256 ${expected})`);

function verify(bytes, what) {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) fail(`sha256 of ${what} is ${actual}, not the pinned ${expected}.`);
}

/** The named entry of a zip archive (stored or deflated), read through its central directory. */
function extractFromZip(zip, name) {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) fail('the terraform download is not a zip archive.');
  const entries = zip.readUInt16LE(endOfDirectory + 10);
  let offset = zip.readUInt32LE(endOfDirectory + 16);
  for (let index = 0; index < entries; index += 1) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) fail('the terraform zip has a damaged central directory.');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      fail(`the terraform zip uses compression method ${method}, which this build does not read.`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  fail(`the terraform zip has no entry "${name}".`);
}

function fail(message) {
  console.error(`terraform: ${message}`);
  process.exit(1);
}
