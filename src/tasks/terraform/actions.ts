/**
 * Terraform's change actions as the plan JSON writes them, reduced to one kind per resource.
 * Source: hashicorp/terraform internal/command/jsonplan/plan.go (Change.Actions): ["no-op"],
 * ["create"], ["read"], ["update"], ["delete", "create"], ["create", "delete"], ["delete"],
 * ["forget"] (1.7+), ["create", "forget"] (1.7+, replace with destroy = false).
 */
export type ChangeKind = 'create' | 'read' | 'update' | 'replace' | 'delete' | 'forget' | 'no-op' | 'unknown';

/** How a replacement happens: which object exists first, and whether the old one is destroyed. */
export type ReplaceOrder = 'delete-then-create' | 'create-then-delete' | 'create-then-forget' | 'forget-then-create';

export interface Classified {
  kind: ChangeKind;
  replaceOrder?: ReplaceOrder;
}

const SINGLE: Record<string, ChangeKind> = {
  'no-op': 'no-op',
  create: 'create',
  read: 'read',
  update: 'update',
  delete: 'delete',
  forget: 'forget',
};

export function classifyActions(actions: readonly string[]): Classified {
  if (actions.length === 1) return { kind: SINGLE[actions[0]!] ?? 'unknown' };
  if (actions.length === 2) {
    const order = `${actions[0]}-then-${actions[1]}`;
    if (order === 'delete-then-create' || order === 'create-then-delete' || order === 'create-then-forget' || order === 'forget-then-create') {
      return { kind: 'replace', replaceOrder: order };
    }
  }
  // Terraform's own advice for combinations it may add later: any list holding "delete" destroys the object.
  if (actions.includes('delete')) return { kind: actions.includes('create') ? 'replace' : 'delete' };
  return { kind: 'unknown' };
}

/** True when the existing object stops being managed by Terraform without being destroyed. */
export function forgetsObject(classified: Classified): boolean {
  return classified.kind === 'forget' || classified.replaceOrder === 'create-then-forget' || classified.replaceOrder === 'forget-then-create';
}

const REPLACE_WORDING: Record<ReplaceOrder, string> = {
  'delete-then-create': 'replace (delete, then create)',
  'create-then-delete': 'replace (create the new object, then delete the old one)',
  'create-then-forget': 'replace (create the new object; the old one is forgotten, not destroyed)',
  'forget-then-create': 'replace (the old object is forgotten, not destroyed; then create)',
};

/** The action in words, as a reviewer reads it: "replace (delete, then create)". */
export function describeKind(classified: Classified): string {
  switch (classified.kind) {
    case 'replace':
      return classified.replaceOrder ? REPLACE_WORDING[classified.replaceOrder] : 'replace';
    case 'forget':
      return 'forget (removed from the state; the object is not destroyed)';
    case 'update':
      return 'update in place';
    case 'no-op':
      return 'no change';
    default:
      return classified.kind;
  }
}

/**
 * Terraform's action_reason codes in words. Source: jsonplan/plan.go constants
 * (ResourceInstanceReplaceBecauseCannotUpdate, ...).
 */
const REASONS: Record<string, string> = {
  replace_because_cannot_update: 'an attribute that cannot be updated in place changed',
  replace_because_tainted: 'the object is tainted',
  replace_by_request: 'replacement was requested with -replace',
  replace_by_triggers: 'replace_triggered_by fired',
  delete_because_no_resource_config: 'its resource block is no longer in the configuration',
  delete_because_wrong_repetition: 'count or for_each was added or removed',
  delete_because_count_index: 'its count index is beyond the new count',
  delete_because_each_key: 'its for_each key is no longer in the map',
  delete_because_no_module: 'its module is no longer in the configuration',
  delete_because_no_move_target: 'the target of its moved block does not exist',
  read_because_config_unknown: 'its configuration is known only after apply',
  read_because_dependency_pending: 'a resource it depends on has pending changes',
  read_because_check_nested: 'it is a data source inside a check block',
};

export function describeReason(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  const words = REASONS[reason];
  return words ? `${reason} (${words})` : reason;
}
