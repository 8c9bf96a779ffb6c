// The layering of DESIGN.md, checked by `npm run check:deps` (and by scripts/test.sh):
// cli → commands → runner → tasks → clients → config and the leaf modules. Type-only imports
// count: a cycle through types is still a cycle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycle in src/.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'config-imports-no-task-report-or-client',
      severity: 'error',
      comment: 'config/ is used by every layer and knows none of them; the full schema is composed in src/synchook-config.ts.',
      from: { path: '^src/config/' },
      to: { path: '^src/(tasks/|report/|clients/|commands/|runner\\.ts$|cli\\.ts$|synchook-config\\.ts$)' },
    },
    {
      name: 'leaves-import-only-leaves',
      severity: 'error',
      comment: 'log, errors, duration and version are used by all and use none of the layers.',
      from: { path: '^src/(log|errors|duration|version)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(log|errors|duration|version)\\.ts$' },
    },
    {
      name: 'clients-import-no-task',
      severity: 'error',
      comment: 'Clients know nothing of tasks, reporting, the runner or commands.',
      from: { path: '^src/clients/' },
      to: { path: '^src/(tasks/|report/|commands/|runner\\.ts$|cli\\.ts$|synchook-config\\.ts$)' },
    },
    {
      name: 'tasks-import-no-upper-layer',
      severity: 'error',
      comment: 'A task does not know the runner, the commands, reporting or the full config.',
      from: { path: '^src/tasks/' },
      to: { path: '^src/(commands/|runner\\.ts$|cli\\.ts$|report/|synchook-config\\.ts$)' },
    },
    {
      name: 'task-imports-no-other-task',
      severity: 'error',
      comment: "A task does not import another task's modules; what two tasks share lives in src/tasks/shared/.",
      from: { path: '^src/tasks/([^/]+)/' },
      to: { path: '^src/tasks/[^/]+/', pathNot: ['^src/tasks/$1/', '^src/tasks/shared/'] },
    },
    {
      name: 'shared-imports-no-task',
      severity: 'error',
      comment: 'What tasks share depends on no task.',
      from: { path: '^src/tasks/shared/' },
      to: { path: '^src/tasks/', pathNot: ['^src/tasks/shared/', '^src/tasks/types\\.ts$'] },
    },
    {
      name: 'task-internals-stay-inside',
      severity: 'error',
      comment: "Outside src/tasks, a task is reached through its index.ts (or the registry), never through its internals.",
      // Exception, to be removed: commands/teardown.ts still plans the deletions itself from the
      // tasks' loaders instead of calling a teardown of each task.
      from: { path: '^src/', pathNot: ['^src/tasks/', '^src/commands/teardown\\.ts$'] },
      to: { path: '^src/tasks/[^/]+/', pathNot: ['^src/tasks/[^/]+/index\\.ts$'] },
    },
    {
      name: 'runner-imports-no-command',
      severity: 'error',
      comment: 'The runner is called by commands, never the other way round.',
      from: { path: '^src/(runner|synchook-config)\\.ts$' },
      to: { path: '^src/(commands/|cli\\.ts$)' },
    },
    {
      name: 'report-imports-no-command-or-runner',
      severity: 'error',
      comment: 'The runner and commands call reporting; reporting calls neither.',
      from: { path: '^src/report/' },
      to: { path: '^src/(commands/|runner\\.ts$|cli\\.ts$)' },
    },
    {
      name: 'commands-import-no-cli',
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: '^src/cli\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
