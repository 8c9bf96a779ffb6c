import type { CompatibilityLevel } from '../config.js';
import type { ResolvedSchema } from '../formats/index.js';
import { isStackOverflow } from '../nesting.js';
import { avroIncompatibilities, avroModel } from './avro.js';
import { jsonSchemaCanRead } from './json-schema.js';

/**
 * The compatibility levels (Schema Registry API reference, "Compatibility types"):
 * BACKWARD — the new schema can read data written with the latest version;
 * FORWARD — the latest version can read data written with the new schema; FULL — both;
 * *_TRANSITIVE — the same against every earlier version; NONE — no check.
 */
function levelDirections(level: CompatibilityLevel): Array<'backward' | 'forward'> {
  if (level === 'NONE') return [];
  if (level.startsWith('BACKWARD')) return ['backward'];
  if (level.startsWith('FORWARD')) return ['forward'];
  return ['backward', 'forward'];
}

export function isTransitive(level: CompatibilityLevel): boolean {
  return level.endsWith('_TRANSITIVE');
}

export interface EarlierSchema {
  schema: ResolvedSchema;
  /** "version 3", "the baseline (origin/main)". */
  label: string;
}

export interface CompatibilityFinding {
  against: string;
  direction: 'backward' | 'forward';
  rule: string;
  location: string;
  message: string;
}

export interface CompatibilityVerdict {
  /** undefined when the checker cannot decide (Protobuf; a JSON Schema keyword it does not cover). */
  compatible: boolean | undefined;
  findings: CompatibilityFinding[];
  undecided: string[];
}

/** The offline verdict for a candidate schema against the earlier versions (oldest first) at a level. */
export function checkCompatibility(level: CompatibilityLevel, candidate: ResolvedSchema, earlier: readonly EarlierSchema[]): CompatibilityVerdict {
  const directions = levelDirections(level);
  if (directions.length === 0 || earlier.length === 0) return { compatible: true, findings: [], undecided: [] };
  const against = isTransitive(level) ? earlier : earlier.slice(-1);
  const findings: CompatibilityFinding[] = [];
  const undecided: string[] = [];
  for (const previous of against) {
    for (const direction of directions) {
      const [reader, writer] = direction === 'backward' ? [candidate, previous.schema] : [previous.schema, candidate];
      let result: ReturnType<typeof canRead>;
      try {
        result = canRead(reader, writer);
      } catch (error) {
        if (!isStackOverflow(error)) throw error;
        result = { findings: [], undecided: ['the schemas nest too deeply for the offline checker'] };
      }
      for (const finding of result.findings) findings.push({ against: previous.label, direction, ...finding });
      for (const item of result.undecided) undecided.push(`${previous.label}, ${direction}: ${item}`);
    }
  }
  if (findings.length > 0) return { compatible: false, findings, undecided };
  return { compatible: undecided.length > 0 ? undefined : true, findings, undecided };
}

function canRead(reader: ResolvedSchema, writer: ResolvedSchema): { findings: Array<{ rule: string; location: string; message: string }>; undecided: string[] } {
  if (reader.type !== writer.type) {
    return { findings: [{ rule: 'SCHEMA_TYPE_CHANGED', location: '/', message: `the schema type changed from ${writer.type} to ${reader.type}` }], undecided: [] };
  }
  if (reader.type === 'AVRO') {
    const readerModel = avroModel(reader.avro!.canonical, reader.avro!.definitions);
    const writerModel = avroModel(writer.avro!.canonical, writer.avro!.definitions);
    return { findings: avroIncompatibilities(readerModel, writerModel).map(({ type, location, message }) => ({ rule: type, location, message })), undecided: [] };
  }
  if (reader.type === 'JSON') {
    return jsonSchemaCanRead({ schema: reader.json!.value, references: reader.json!.documents }, { schema: writer.json!.value, references: writer.json!.documents });
  }
  return { findings: [], undecided: ['Protobuf compatibility is decided by the registry only'] };
}

const HINTS: Record<string, { backward: string; forward: string }> = {
  READER_FIELD_MISSING_DEFAULT_VALUE: { backward: 'give the new field a default value', forward: 'keep the field (a field removed must have had a default)' },
  TYPE_MISMATCH: { backward: 'keep the type (or a promotion such as int → long), or add a new field instead', forward: 'keep the type, or add a new field instead' },
  MISSING_UNION_BRANCH: { backward: 'keep every branch of the union', forward: 'do not add union branches the old readers lack' },
  MISSING_ENUM_SYMBOLS: { backward: 'keep every enum symbol, or give the enum a default symbol', forward: 'do not add enum symbols unless the old enum has a default symbol' },
  NAME_MISMATCH: { backward: 'keep the type name, or list the old full name in aliases', forward: 'keep the type name' },
  FIXED_SIZE_MISMATCH: { backward: 'keep the size of the fixed type', forward: 'keep the size of the fixed type' },
  OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_ADDED: { backward: 'do not make properties required that old data may lack', forward: 'do not drop a required property old readers need' },
  OBJECT_TYPE_PROPERTY_SCHEMAS_NARROWED: {
    backward: 'declare new properties only in a closed content model (additionalProperties: false), or accept any value for them',
    forward: 'keep the property, or open the old content model',
  },
  SUBSCHEMA_TYPE_CHANGED: { backward: 'keep the type, or widen it', forward: 'keep the type, or narrow it' },
  ENUM_TYPE_VALUES_MEMBER_REMOVED: { backward: 'keep every enum value', forward: 'do not add enum values' },
  OBJECT_TYPE_ADDITIONAL_PROPERTIES_TRUE_TO_FALSE: { backward: 'keep additionalProperties open', forward: 'keep additionalProperties closed' },
};

/**
 * The findings in words, grouped by who cannot read whose data: each names the place, the rule
 * and what to change.
 */
export function describeFindings(findings: readonly CompatibilityFinding[]): string {
  const groups = new Map<string, CompatibilityFinding[]>();
  for (const finding of findings) {
    const who = finding.direction === 'backward' ? `the new schema cannot read data written with ${finding.against}` : `${finding.against} cannot read data written with the new schema`;
    groups.set(who, [...(groups.get(who) ?? []), finding]);
  }
  return [...groups.entries()]
    .map(([who, items]) => {
      const reasons = items.map((finding) => {
        const hint = HINTS[finding.rule]?.[finding.direction];
        return `${finding.message} (${finding.rule} at ${finding.location}${hint ? `; ${hint}` : ''})`;
      });
      return `${who}: ${reasons.join(', ')}`;
    })
    .join('; ');
}
