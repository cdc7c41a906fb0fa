import type { Backend } from '../../backend';
import { requireLength, requireSameDtype, requireDims } from './checks';

/** The book's optimizer rules (common/optimizer.py), one loop over the parameters each. */
export const optimizerRulesKernels: Pick<Backend, 'optimizerStep'> = {
  optimizerStep(rule, w, g, s1, s2, n, lr, p1, p2, eps) {
    requireDims('optimizerStep', { n });
    requireSameDtype('optimizerStep', w, g, s1, s2);
    for (const [array, name] of [[w, 'w'], [g, 'g'], [s1, 's1']] as const) requireLength('optimizerStep', array, n, name);
    if (rule === 'adam') requireLength('optimizerStep', s2, n, 's2');
    switch (rule) {
      case 'momentum':
        for (let i = 0; i < n; i++) {
          s1[i] = p1 * s1[i] - lr * g[i];
          w[i] += s1[i];
        }
        return;
      case 'nesterov':
        for (let i = 0; i < n; i++) {
          w[i] += p1 * p1 * s1[i];
          w[i] -= (1 + p1) * lr * g[i];
          s1[i] = p1 * s1[i] - lr * g[i];
        }
        return;
      case 'adagrad':
        for (let i = 0; i < n; i++) {
          s1[i] += g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s1[i]) + eps);
        }
        return;
      case 'rmsprop':
        for (let i = 0; i < n; i++) {
          s1[i] = p1 * s1[i] + (1 - p1) * g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s1[i]) + eps);
        }
        return;
      case 'adam':
        for (let i = 0; i < n; i++) {
          s1[i] += (1 - p1) * (g[i] - s1[i]);
          s2[i] += (1 - p2) * (g[i] * g[i] - s2[i]);
          w[i] -= (lr * s1[i]) / (Math.sqrt(s2[i]) + eps);
        }
        return;
    }
  },
};
