/** The managed scope of a topics section: the name prefixes this config owns. */

export function inManagedScope(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => name.startsWith(prefix));
}

export function describePrefixes(prefixes: readonly string[]): string {
  return prefixes.map((prefix) => `"${prefix}"`).join(', ');
}
