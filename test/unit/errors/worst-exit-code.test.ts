import { describe, expect, it } from 'vitest';
import { ExitCode, worstExitCode } from '../../../src/errors.js';

describe('worstExitCode', () => {
  it('puts a configuration error before unreachable before rejected, whatever the order', () => {
    expect(worstExitCode([ExitCode.Rejected, ExitCode.Unreachable, ExitCode.Config])).toBe(ExitCode.Config);
    expect(worstExitCode([ExitCode.Config, ExitCode.Rejected])).toBe(ExitCode.Config);
    expect(worstExitCode([ExitCode.Unreachable, ExitCode.Rejected])).toBe(ExitCode.Unreachable);
    expect(worstExitCode([ExitCode.Success, ExitCode.Rejected])).toBe(ExitCode.Rejected);
  });

  it('is success for no codes or only successes', () => {
    expect(worstExitCode([])).toBe(ExitCode.Success);
    expect(worstExitCode([ExitCode.Success, ExitCode.Success])).toBe(ExitCode.Success);
  });

  it('counts an unknown non-zero code as rejected', () => {
    expect(worstExitCode([7])).toBe(ExitCode.Rejected);
    expect(worstExitCode([7, ExitCode.Unreachable])).toBe(ExitCode.Unreachable);
  });
});
