/**
 * Patterns for resource types and addresses. `*` matches any run of characters and `?` one
 * character; everything else is literal. Path-style globs do not fit addresses: brackets and dots
 * are part of `module.kafka.kafka_topic.this["orders"]`, and `*` must cross the dots.
 */
export function compileGlob(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export type Matcher = (value: string) => boolean;

/** A matcher for a list of patterns: true when any pattern matches. */
export function anyGlob(patterns: readonly string[]): Matcher {
  const compiled = patterns.map(compileGlob);
  return (value) => compiled.some((regex) => regex.test(value));
}
