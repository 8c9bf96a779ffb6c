/**
 * A fast YAML parse without positions. The `yaml` library keeps the position of every node, which
 * makes it the largest cost of a run with a thousand declared topics; js-yaml builds plain values
 * many times faster. Positions are only needed to report an error, and then yaml.ts parses again.
 *
 * The two libraries must read a document the same way, so the fast path takes only documents
 * without the features where they differ, and resolves plain scalars with the `yaml` library's own
 * YAML 1.2 core schema tags (js-yaml's core schema differs in details, e.g. it reads `1_000` as
 * 1000). Anything else, and every document js-yaml refuses, goes to the positioned parse, which
 * also writes the error message.
 */
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';
import { isScalar, Schema, type ScalarTag } from 'yaml';

/**
 * Anchors and aliases (`&`, `*`: the alias expansion limit is enforced by the positioned parse),
 * tags (`!`), merge keys (`<<`), directives (`%YAML 1.1` changes the schema), complex keys (`?`)
 * and null keys (`~:`, `null:`, an empty key: `yaml` makes them "", js-yaml "null"). A quoted value
 * that looks like one of these only costs the slower parse.
 */
const NEEDS_POSITIONED_PARSE = /[&*!]|<<|^\s*%|^\s*\?\s|(?:^|[\s{,[-])(?:~|[Nn]ull|NULL)?:(?:\s|$)/m;

/** The scalar tags of the `yaml` library's core schema, in its resolution order (strings last). */
const CORE_SCALAR_TAGS = new Schema({ schema: 'core' }).tags.filter((tag): tag is ScalarTag => 'test' in tag && tag.test instanceof RegExp);

/** Every core-schema scalar other than a string starts with one of these (or is empty). */
const MAYBE_NOT_STRING = /^(?:$|[-+.0-9~nNtTfF])/;

/** js-yaml calls resolve, then construct with the same text: the tag found is kept in between. */
let lastTag: ScalarTag | undefined;

const coreScalar = new Type('tag:synchook:core-scalar', {
  kind: 'scalar',
  resolve: (data: string | null) => {
    lastTag = data !== null && MAYBE_NOT_STRING.test(data) ? CORE_SCALAR_TAGS.find((tag) => tag.test!.test(data)) : undefined;
    return lastTag !== undefined;
  },
  construct: (data: string) => {
    const tag = lastTag?.test!.test(data) ? lastTag : CORE_SCALAR_TAGS.find((candidate) => candidate.test!.test(data))!;
    const value: unknown = tag.resolve(data, () => undefined, { intAsBigInt: false } as never);
    return isScalar(value) ? value.value : value;
  },
});

const FAST_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [coreScalar] });

/** The documents of a YAML stream as plain values, or undefined when only the positioned parse may read it. */
export function parseWithoutPositions(text: string): unknown[] | undefined {
  if (NEEDS_POSITIONED_PARSE.test(text)) return undefined;
  try {
    return loadAll(text, null, { schema: FAST_SCHEMA, json: false });
  } catch {
    return undefined;
  }
}
