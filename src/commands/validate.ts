import { loadConfig, taskSection } from '../synchook-config.js';
import { ExitCode } from '../errors.js';
import { describeViolation } from '../report/render.js';
import { TASKS } from '../tasks/registry.js';
import type { CommandContext } from './context.js';

/** `synchook validate`: the config and every file it names, offline; no cluster or registry needed. */
export async function runValidate(ctx: CommandContext & { against?: string }): Promise<number> {
  const loaded = loadConfig(ctx.configPath, ctx.env);
  ctx.out(`config ok: ${ctx.configPath} (environment ${loaded.config.environment})`);
  let violations = 0;
  for (const task of TASKS) {
    const section = taskSection(loaded.config, task);
    if (!section || section.enabled === false || !task.validate) continue;
    const report = await task.validate({ config: loaded.config, configDir: loaded.dir, log: ctx.log.child({ task: task.name }), against: ctx.against }, section);
    ctx.out(`${report.violations.length === 0 ? 'ok  ' : 'FAIL'} ${task.name}: ${report.checked.join('; ') || 'checked'}`);
    for (const violation of report.violations) ctx.out(`  ! ${describeViolation(violation)}`);
    for (const warning of report.warnings) ctx.out(`  warning: ${warning}`);
    violations += report.violations.length;
  }
  return violations > 0 ? ExitCode.Rejected : ExitCode.Success;
}
