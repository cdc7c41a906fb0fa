import { describe, expect, it } from 'vitest';
import { ConfigError, parseTrainConfig } from '../../src-shared/config';
import { describeBytes } from '../../src-shared/memory-budget';
import { checkTrainingBudget, memoryBudget, parseMemorySize } from './memory-budget';

const GB = 1e9;

describe('the memory budget', () => {
  it('is half of the RAM unless the environment or a flag says otherwise', () => {
    expect(memoryBudget(undefined, {}, 24 * GB)).toEqual({ bytes: 12 * GB, source: "half of this machine's 24 GB; BACKPROP_MEMORY_BUDGET changes it" });
    expect(memoryBudget(undefined, { BACKPROP_MEMORY_BUDGET: '8GB' }, 24 * GB).bytes).toBe(8 * GB);
    expect(memoryBudget('75%', { BACKPROP_MEMORY_BUDGET: '8GB' }, 24 * GB)).toEqual({ bytes: 18 * GB, source: '--memory-budget 75%' });
    expect(parseMemorySize('512MiB', GB, 'x')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('2e9', GB, 'x')).toBe(2 * GB);
    for (const bad of ['-1GB', 'lots', '0', '120%', '5 parsecs']) {
      expect(() => parseMemorySize(bad, 24 * GB, '--memory-budget')).toThrow(`--memory-budget: must be a size such as 8GB, 512MiB or 75% (of this machine's 24 GB), got "${bad}"`);
    }
  });

  it('says sizes in words', () => {
    expect([0, 999, 1500, 2.14e9, 66.8e9, 1.5e13].map(describeBytes)).toEqual(['0 bytes', '999 bytes', '1.5 KB', '2.1 GB', '67 GB', '15 TB']);
  });

  it('refuses a network over budget with the estimate, its parts, the budget and the field to change', () => {
    const huge = parseTrainConfig({ network: { hiddenSizes: new Array(32).fill(8192) }, optimizer: { type: 'adam' }, dtype: 'float64' });
    const budget = { bytes: 12 * GB, source: "half of this machine's 24 GB" };
    const error = (() => {
      try {
        checkTrainingBudget(huge, budget, 'config');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message } = error as ConfigError;
    expect(issues[0]!.field).toBe('network.hiddenSizes');
    expect(message).toMatch(/^config: invalid config: network\.hiddenSizes: this network needs about 15\d GB of memory \(/);
    expect(message).toContain('parameters 17 GB');
    expect(message).toContain('Adam state 33 GB');
    expect(message).toContain("the budget is 12 GB (half of this machine's 24 GB): use fewer or narrower hidden layers (network.hiddenSizes), or dtype float32");
    // The book's network fits easily.
    expect(checkTrainingBudget(parseTrainConfig({}), budget).bytes).toBeLessThan(100e6);
  });
});
