import { ConfigError } from '../../errors.js';

const FULL_SHA = /^[0-9a-f]{40}$/i;
const HEX = /^[0-9a-f]+$/i;

/**
 * The 40-hex commit SHA in a revision string, or a ConfigError naming where it came from.
 *
 * Accepted: a bare SHA; Flux's revision format since v2.0 `<ref>@sha1:<sha>` (e.g.
 * `main@sha1:1a2b…`, `refs/tags/v1.2.0@sha1:…`) and `sha1:<sha>`; Flux's older `<ref>/<sha>`.
 * Refused with the reason: short SHAs (GitHub needs the full commit), `sha256:` digests (an OCI
 * artifact, not a Git commit), branch or tag names.
 */
export function parseRevision(text: string, where: string): string {
  const value = text.trim();
  const sha = extractSha(value);
  if (sha) return sha.toLowerCase();
  throw new ConfigError(`${where}: "${shorten(value)}" is not a commit SHA. ${whyNot(value)}`);
}

function extractSha(value: string): string | undefined {
  if (FULL_SHA.test(value)) return value;
  const flux = /^(?:.*@)?sha1:([0-9a-f]+)$/i.exec(value);
  if (flux && FULL_SHA.test(flux[1]!)) return flux[1];
  const legacy = /^.+\/([0-9a-f]{40})$/i.exec(value);
  if (legacy) return legacy[1];
  return undefined;
}

function whyNot(value: string): string {
  const digest = /(?:^|@)(sha256|sha512|blake3):/i.exec(value);
  if (digest) return `It is a ${digest[1]!.toLowerCase()} digest (an OCI artifact or a Helm chart), not a Git commit: give the commit SHA with --sha or report.github.sha.`;
  const candidate = value.split(/[@:/]/).pop() ?? value;
  if (HEX.test(candidate) && candidate.length < 40) {
    return `It has ${candidate.length} hex digits; GitHub needs the full 40-character commit SHA (git rev-parse HEAD).`;
  }
  if (value === '') return 'It is empty: give the full 40-character commit SHA.';
  return 'Expected the full 40-character commit SHA, or a Flux revision such as main@sha1:<sha>; a branch or tag name cannot be reported to.';
}

function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

export function isFullSha(value: string): boolean {
  return FULL_SHA.test(value);
}
