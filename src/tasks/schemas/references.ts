import { ConfigError } from '../../errors.js';
import type { SubjectDeclaration } from './declarations.js';

/**
 * Orders the declarations so that every subject comes after the subjects it references (the order
 * of registration), keeping the declared order otherwise. A cycle, or a reference to an undeclared
 * subject by "latest", is a configuration error.
 */
export function registrationOrder(declarations: readonly SubjectDeclaration[]): SubjectDeclaration[] {
  const bySubject = new Map(declarations.map((declaration) => [declaration.subject, declaration]));
  for (const declaration of declarations) {
    for (const reference of declaration.references) {
      if (!bySubject.has(reference.subject) && reference.version === 'latest') {
        throw new ConfigError(
          `${reference.where}: reference ${reference.name} of subject ${declaration.subject} points at subject ${reference.subject}, which this config does not declare, with version latest. Declare ${reference.subject} in a subjects file, or pin the version it must use (version: 3).`,
        );
      }
    }
  }
  const ordered: SubjectDeclaration[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (declaration: SubjectDeclaration, path: SubjectDeclaration[]): void => {
    const current = state.get(declaration.subject);
    if (current === 'done') return;
    if (current === 'visiting') {
      const start = path.findIndex((item) => item.subject === declaration.subject);
      const cycle = [...path.slice(start), declaration].map((item) => item.subject).join(' → ');
      throw new ConfigError(`${declaration.where}: the references of subject ${declaration.subject} form a cycle (${cycle}). A schema cannot (even indirectly) reference itself; break the cycle.`);
    }
    state.set(declaration.subject, 'visiting');
    for (const reference of declaration.references) {
      const target = bySubject.get(reference.subject);
      if (target) visit(target, [...path, declaration]);
    }
    state.set(declaration.subject, 'done');
    ordered.push(declaration);
  };
  for (const declaration of declarations) visit(declaration, []);
  return ordered;
}
