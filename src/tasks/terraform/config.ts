import { z } from 'zod';
import { FilePath, NonEmptyString } from '../../config/common.js';

/** What a rule does when it fires: `deny` stops the sync, `warn` is printed and the sync goes on. */
export const Level = z.enum(['deny', 'warn']);
export type Level = z.output<typeof Level>;
const LevelOrOff = z.enum(['deny', 'warn', 'off']);

/** The destructive actions a rule can name. `replace` covers both orders of delete and create. */
export const GuardedAction = z.enum(['delete', 'replace', 'forget']);
export type GuardedAction = z.output<typeof GuardedAction>;

const Glob = NonEmptyString.meta({ description: 'A pattern: `*` matches any run of characters (dots and brackets included), `?` one character; everything else is literal.' });

const ForbidRule = z
  .strictObject({
    actions: z.array(GuardedAction).min(1, { message: 'name at least one of delete, replace, forget' }).meta({ description: 'The actions this rule forbids: delete, replace, forget.' }),
    types: z.array(Glob).min(1).optional().meta({ description: 'Resource types (globs), e.g. aws_msk_*; any type when omitted.' }),
    addresses: z.array(Glob).min(1).optional().meta({ description: 'Resource addresses (globs), e.g. module.kafka.*; any address when omitted. A moved resource matches by its old address too.' }),
    level: Level.default('deny'),
    message: NonEmptyString.optional().meta({ description: 'Why the rule exists; shown in the violation.' }),
  })
  .meta({ description: 'Forbids actions on the resources that match types AND addresses.' });

const Exception = z
  .strictObject({
    actions: z.array(GuardedAction).min(1).optional().meta({ description: 'The actions allowed; all of delete, replace, forget when omitted.' }),
    types: z.array(Glob).min(1).optional().meta({ description: 'Resource types (globs).' }),
    addresses: z.array(Glob).min(1).optional().meta({ description: 'Resource addresses (globs).' }),
    reason: NonEmptyString.meta({ description: 'Why this destructive change is intended; printed with the plan so reviewers see it.' }),
  })
  .superRefine((exception, ctx) => {
    if (!exception.types && !exception.addresses) {
      ctx.addIssue({ code: 'custom', message: 'an exception needs types or addresses, so that it cannot switch the protections off for every resource', path: [] });
    }
  })
  .meta({ description: 'A resource allowed to be deleted, replaced or forgotten despite forbid, protectKafkaResources and partitionDecrease.' });

const Count = z.int().min(0);
const MaxChanges = z
  .strictObject({
    create: Count.optional(),
    update: Count.optional(),
    replace: Count.optional(),
    delete: Count.optional(),
    forget: Count.optional(),
    total: Count.optional().meta({ description: 'Limit on every change together (create, update, replace, delete, forget, move, import).' }),
    level: Level.default('deny'),
  })
  .meta({ description: 'Upper bound of resources per action in one plan.' });

const AllowedTypes = z
  .strictObject({
    types: z.array(Glob).min(1, { message: 'list at least one type' }).meta({ description: 'Resource types (globs) the plan may change.' }),
    level: Level.default('deny'),
  })
  .meta({ description: 'The plan may change only resources of these types; data sources and unchanged resources are not counted.' });

export const TerraformRules = z
  .strictObject({
    protectKafkaResources: LevelOrOff.default('deny').meta({ description: 'Forbid delete, replace and forget of Kafka clusters, topics and ACLs of the common providers (see docs/terraform.md for the list).' }),
    forbid: z.array(ForbidRule).default([]),
    exceptions: z.array(Exception).default([]),
    partitionDecrease: LevelOrOff.default('deny').meta({ description: 'A topic whose partition count goes down (in place, or as the reason for a replacement).' }),
    maxChanges: MaxChanges.optional(),
    drift: LevelOrOff.default('warn').meta({ description: 'Resources changed outside Terraform since the last apply (resource_drift).' }),
    incompletePlan: LevelOrOff.default('warn').meta({ description: 'A plan that defers changes to a later run (complete: false).' }),
    allowedTypes: AllowedTypes.optional(),
  });
export type TerraformRules = z.output<typeof TerraformRules>;

export const TerraformSection = z
  .strictObject({
    planJson: FilePath.optional().meta({ description: 'A plan as JSON (`terraform show -json tfplan > tfplan.json`). Give planJson or workdir.' }),
    workdir: FilePath.optional().meta({ description: 'A Terraform root module; synchook runs init, plan and show in it. Give planJson or workdir.' }),
    binary: NonEmptyString.default('terraform').meta({ description: 'The program for workdir: terraform, tofu, or a path (relative to the config file).' }),
    initArgs: z.array(z.string()).default([]).meta({ description: 'Extra arguments of init, e.g. ["-backend-config=prod.hcl"].' }),
    planArgs: z.array(z.string()).default([]).meta({ description: 'Extra arguments of plan, e.g. ["-var-file=prod.tfvars"].' }),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' }), z.string()).default({}).meta({
      description: 'Environment variables added for the program (TF_WORKSPACE, TF_VAR_x); it also inherits the environment of synchook.',
    }),
    rules: TerraformRules.prefault({}).meta({
      description: 'The policy the plan must pass. An errored plan, or one that Terraform marks not applyable while it holds changes, is always denied.',
    }),
  })
  .superRefine((section, ctx) => {
    if ((section.planJson === undefined) === (section.workdir === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: section.planJson === undefined ? 'give planJson (a plan as JSON) or workdir (a folder to run terraform in)' : 'give either planJson or workdir, not both',
        path: section.planJson === undefined ? [] : ['workdir'],
      });
    }
    if (section.planJson !== undefined) {
      // These only steer the program; with a ready plan file they would be silently ignored.
      for (const key of ['initArgs', 'planArgs'] as const) {
        if (section[key].length > 0) ctx.addIssue({ code: 'custom', message: `${key} applies only with workdir`, path: [key] });
      }
      if (Object.keys(section.env).length > 0) ctx.addIssue({ code: 'custom', message: 'env applies only with workdir', path: ['env'] });
      if (section.binary !== 'terraform') ctx.addIssue({ code: 'custom', message: 'binary applies only with workdir', path: ['binary'] });
    }
  });
export type TerraformSection = z.output<typeof TerraformSection>;
