#!/usr/bin/env node
import type { Argv } from 'yargs';
import { VERSION } from './version.js';

// `synchook --version` answers before yargs loads: loading yargs is most of a cold start.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  await new Promise((resolve) => process.stdout.write(`${VERSION}\n`, resolve));
  process.exit(0);
}
const { default: yargs } = await import('yargs');
const { hideBin } = await import('yargs/helpers');

/**
 * Commands → runner; nothing else lives here. Heavy modules are imported by the command that
 * needs them so that `synchook --version` and `--help` start fast.
 */

type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

interface GlobalArgs {
  config: string;
  timeout?: string;
  'log-level': LogLevel;
  'log-format'?: 'json' | 'pretty';
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** After a signal, reporting gets this long before the process exits regardless. */
const SIGNAL_GRACE_MS = 5_000;

async function execute(args: GlobalArgs, command: (ctx: import('./commands/context.js').CommandContext) => Promise<number>): Promise<never> {
  const [{ createLogger, printOut, scrub }, errors, { parseDuration, durationProblem }, { SIGNAL_EXIT_CODES }] = await Promise.all([
    import('./log.js'),
    import('./errors.js'),
    import('./duration.js'),
    import('./runner.js'),
  ]);
  quietOnClosedPipes();
  const startedAt = Date.now();
  const log = createLogger({ level: args['log-level'], format: args['log-format'] });
  const controller = new AbortController();
  let signalled: string | undefined;
  for (const name of SIGNALS) {
    process.on(name, () => {
      if (signalled) {
        // A second signal: stop now.
        process.exit(SIGNAL_EXIT_CODES[name] ?? 1);
      }
      signalled = name;
      log.warn({ signal: name }, `received ${name}: stopping in-flight work and reporting`);
      controller.abort(new errors.AbortedError(`terminated by ${name}`, SIGNAL_EXIT_CODES[name] as 130 | 143 as never));
      setTimeout(() => process.exit(SIGNAL_EXIT_CODES[name] ?? 1), SIGNAL_GRACE_MS).unref();
    });
  }
  let timeoutMs: number | undefined;
  if (args.timeout !== undefined) {
    timeoutMs = parseDuration(args.timeout);
    if (timeoutMs === undefined) {
      process.stderr.write(`synchook: --timeout ${args.timeout}: expected a duration with a unit, such as 90s or 10m.\n`);
      process.exit(errors.ExitCode.Config);
    }
    const problem = durationProblem(timeoutMs);
    if (problem) {
      process.stderr.write(`synchook: --timeout ${args.timeout} ${problem}.\n`);
      process.exit(errors.ExitCode.Config);
    }
  }
  // Until a command knows its run's deadline, the config's default timeout bounds the exit flush.
  let outputDeadlineAt = startedAt + (timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
  let code: number;
  try {
    code = await command({
      outputDeadline: (at) => {
        outputDeadlineAt = at;
      },
      configPath: args.config,
      log,
      signal: controller.signal,
      timeoutMs,
      env: process.env,
      out: (text) => printOut(text),
    });
  } catch (error) {
    if (controller.signal.aborted && signalled) {
      process.stderr.write(scrub(`synchook: terminated by ${signalled}\n`));
      code = SIGNAL_EXIT_CODES[signalled] ?? 1;
    } else {
      code = errors.exitCodeOf(error);
      const message = errors.messageOf(error);
      process.stderr.write(scrub(`synchook: ${message}\n`));
      if (!(error instanceof errors.SynchookError)) log.error({ err: error }, 'unexpected error');
    }
  }
  if (signalled && code === 0) code = SIGNAL_EXIT_CODES[signalled] ?? 1;
  await flushOutput(outputDeadlineAt);
  process.exit(code);
}

/** The config's default `timeout` (src/config/schema.ts). */
const DEFAULT_RUN_TIMEOUT_MS = 10 * 60_000;
/** After the deadline, output still gets this long: the final lines of a run that used all its time. */
const FLUSH_AFTER_DEADLINE_MS = 5_000;

/**
 * A reader that goes away (`synchook plan | head -1`) closes the pipe: later writes fail with
 * EPIPE. That is not the run's failure: output stops quietly and the run ends with its own code.
 */
function quietOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/**
 * Writes to a pipe are asynchronous on POSIX: exiting at once would cut a large plan short (a
 * Job's log and CI both read stdout through a pipe). An empty write's callback runs once every
 * write before it has been handed to the system, however slow the reader. Bounded by the run's
 * deadline only, so a reader that stopped reading cannot hold the exit forever.
 */
function flushOutput(deadlineAt: number): Promise<void> {
  const drained = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed || stream.writableEnded) return resolve();
      stream.write('', () => resolve());
    });
  return Promise.race([
    Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, Math.max(FLUSH_AFTER_DEADLINE_MS, deadlineAt - Date.now())).unref()),
  ]);
}

const RESULT_FORMAT = { type: 'string', choices: ['text', 'json'] as const, default: 'text', describe: 'text: the diff and a line per task; json: the result with every figure (see docs/commands.md)' } as const;

export function buildCli(argv: string[]): Argv<GlobalArgs> {
  return yargs(argv)
    .scriptName('synchook')
    .version(VERSION)
    .usage('$0 <command> [options]\n\nSchemas, Kafka topics and ACLs, Terraform plan policy and smoke tests around a GitOps deployment.')
    .option('config', { alias: 'c', type: 'string', default: process.env.SYNCHOOK_CONFIG ?? 'synchook.yaml', describe: 'Config file (env SYNCHOOK_CONFIG)', global: true })
    .option('timeout', { type: 'string', describe: "Deadline of the whole run (e.g. 5m); overrides the config's timeout", global: true })
    .option('log-level', { type: 'string', choices: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, default: (process.env.SYNCHOOK_LOG_LEVEL as LogLevel | undefined) ?? 'info', global: true })
    .option('log-format', { type: 'string', choices: ['json', 'pretty'] as const, describe: 'JSON when not a terminal, readable when a terminal (default)', global: true })
    .command(
      'presync',
      'Plan every PreSync task, then apply them if every plan passes',
      (y) => y.option('dry-run', { type: 'boolean', default: false, describe: 'Plan only; apply nothing' }).option('sha', { type: 'string', describe: 'Commit to report to' }).option('format', RESULT_FORMAT),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/run.js')).runCommand(ctx, { mode: 'presync', dryRun: args['dry-run'] as boolean, sha: args.sha as string | undefined, format: args.format as 'text' | 'json' })),
    )
    .command(
      'postsync',
      'Run the PostSync checks: smoke test and consumer-group health',
      (y) => y.option('sha', { type: 'string', describe: 'Commit to report to' }).option('format', RESULT_FORMAT),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/run.js')).runCommand(ctx, { mode: 'postsync', sha: args.sha as string | undefined, format: args.format as 'text' | 'json' })),
    )
    .command(
      'plan',
      'Show what PreSync would change, read-only (for pull requests)',
      (y) =>
        y
          .option('format', { type: 'string', choices: ['text', 'json', 'markdown'] as const, default: 'text' })
          .option('sha', { type: 'string', describe: 'Commit of the check run with the plan (report.github.checkRun)' })
          .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'Exit 11 when the plan has changes (0 only when there are none); for drift checks' })
          .option('drift-status', { type: 'boolean', default: false, describe: 'Report the verdict as one commit status <report.github.context>/drift on the deployed commit' })
          .option('comment', { type: 'boolean', describe: 'Post the plan as one pull-request comment, edited in place on every push (report.github.comment)' })
          .option('pull-request', { type: 'number', describe: 'The pull request to comment on; from the Actions event (GITHUB_EVENT_PATH) otherwise' }),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/run.js')).runCommand(ctx, { mode: 'plan', format: args.format as 'text' | 'json' | 'markdown', sha: args.sha as string | undefined, detailedExitcode: args['detailed-exitcode'] as boolean, driftStatus: args['drift-status'] as boolean, comment: args.comment as boolean | undefined, pullRequest: args['pull-request'] as number | undefined })),
    )
    .command(
      'run <tasks..>',
      'Run the named tasks (PreSync tasks plan all, then apply)',
      (y) => y.positional('tasks', { type: 'string', array: true, demandOption: true }).option('dry-run', { type: 'boolean', default: false }).option('sha', { type: 'string' }),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/run.js')).runCommand(ctx, { mode: 'run', taskNames: args.tasks as string[], dryRun: args['dry-run'] as boolean, sha: args.sha as string | undefined })),
    )
    .command(
      'validate',
      'Check the config and the files it names, offline',
      (y) => y.option('against', { type: 'string', describe: 'Baseline for offline compatibility checks: a folder or a git ref (e.g. origin/main)' }),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/validate.js')).runValidate({ ...ctx, against: args.against as string | undefined })),
    )
    .command(
      'doctor',
      'Reach Kafka and the registry with the configured auth and print what was found',
      (y) => y.option('format', { type: 'string', choices: ['text', 'json'] as const, default: 'text' }),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/doctor.js')).runDoctor({ ...ctx, format: args.format as 'text' | 'json' })),
    )
    .command(
      'teardown',
      'Ephemeral environments: delete the topics under managedPrefix, the declared subjects and ACLs (a dry run unless --yes)',
      (y) => y.option('yes', { type: 'boolean', default: false, describe: 'Delete; without it, only print what would be deleted' }),
      (args) => execute(args as GlobalArgs, async (ctx) => (await import('./commands/teardown.js')).runTeardown({ ...ctx, yes: args.yes as boolean })),
    )
    .command(
      'import',
      'Write the topics, ACLs and subjects found in the cluster and the registry as synchook files',
      (y) =>
        y
          .option('prefix', { type: 'string', array: true, demandOption: true, describe: 'Import the topics whose names start with it (repeatable)' })
          .option('out', { type: 'string', demandOption: true, describe: 'Folder to write the files into' })
          .option('principal', { type: 'string', array: true, default: [] as string[], describe: 'Import the ACLs of this principal, e.g. User:orders-app (repeatable)' })
          .option('subject-prefix', { type: 'string', array: true, describe: 'Import the subjects whose names start with it (repeatable); the topic prefixes by default' })
          .option('format', { type: 'string', choices: ['synchook', 'strimzi'] as const, default: 'synchook', describe: 'Topic files: synchook topics list, or Strimzi KafkaTopic resources' })
          .option('strimzi-cluster', { type: 'string', describe: 'strimzi.io/cluster label of the KafkaTopic resources' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite files that already exist' }),
      (args) =>
        execute(args as GlobalArgs, async (ctx) =>
          (await import('./commands/import.js')).runImport({
            ...ctx,
            prefixes: args.prefix as string[],
            outDir: args.out as string,
            principals: args.principal as string[],
            subjectPrefixes: args['subject-prefix'] as string[] | undefined,
            format: args.format as 'synchook' | 'strimzi',
            strimziCluster: args['strimzi-cluster'] as string | undefined,
            force: args.force as boolean,
          }),
        ),
    )
    .command(
      'config-schema',
      "Print the config file's JSON Schema (for editors)",
      (y) => y,
      (args) => execute(args as GlobalArgs, async (ctx) => {
        const { synchookJsonSchema } = await import('./synchook-config.js');
        ctx.out(JSON.stringify(synchookJsonSchema(), null, 2));
        return 0;
      }),
    )
    .demandCommand(1, 'Name a command: presync, postsync, plan, run, validate, doctor or teardown.')
    .strict()
    .recommendCommands()
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`synchook: ${message}\nRun synchook --help for the commands and options.\n`);
      process.exit(2);
    }) as unknown as Argv<GlobalArgs>;
}

await buildCli(hideBin(process.argv)).parseAsync();
