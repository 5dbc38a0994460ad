// Auto-assign profiles from ConfigMap pool-assign-profiles (spec §5): what is used, what falls back to the
// built-in default, and why.
import { describe, expect, it } from '@jest/globals';
import { assignProfileFromConfig } from '../../planners/auto-assign/pool-assign-profile-config.js';
import { DEFAULT_ASSIGN_PROFILE } from '../../planners/auto-assign/pool-assign-profile.js';
import type { AssignCandidate } from '../../planners/auto-assign/assign-plugins.js';
import { matchedTemplate } from '../../planners/auto-assign/pool-assign-template.js';

const candidate = (allocated: number, total: number, labels: Record<string, string> = {}): AssignCandidate => ({
  name: 'p',
  labels,
  template: matchedTemplate({ spec: { containers: [{ name: 'c', image: 'app:1' }] } }),
  allocated,
  total,
});

const profiles = (...entries: unknown[]) => JSON.stringify(entries);

describe('assignProfileFromConfig', () => {
  it.each<[string, string | undefined, RegExp | undefined]>([
    ['absent', undefined, undefined],
    ['empty', '  ', undefined],
    ['not JSON', '{', /^profiles is not JSON: /],
    ['not an array', '{"name":"default"}', /^\(root\): /],
    ['a profile without name', profiles({ plugins: {} }), /^0\.name: /],
    ['a weight that is not a number', profiles({ name: 'default', plugins: { score: [{ name: 'resbalance', weight: 'x' }] } }), /weight/],
    ['no profile named default', profiles({ name: 'gpu', plugins: { predicate: ['image'] } }), /^no profile named "default"$/],
    [
      'labelselector keys as a string (the proposal form)',
      profiles({ name: 'default', plugins: { predicate: ['labelselector'] }, pluginConf: [{ name: 'labelselector', args: { keys: 'team' } }] }),
      /^labelselector args: keys: /,
    ],
    [
      'an unknown resbalance strategy',
      profiles({
        name: 'default',
        plugins: { score: [{ name: 'resbalance', weight: 1 }] },
        pluginConf: [{ name: 'resbalance', args: { strategy: 'Balanced' } }],
      }),
      /^resbalance args: strategy: /,
    ],
  ])('%s: the built-in default applies', (_case, config, problem) => {
    const result = assignProfileFromConfig(config);
    expect(result.profile).toBe(DEFAULT_ASSIGN_PROFILE);
    if (problem) expect(result.problem).toMatch(problem);
    else expect(result.problem).toBeUndefined();
  });

  it('builds the default profile as configured, skipping unknown plugins', () => {
    const { profile, problem } = assignProfileFromConfig(
      profiles(
        { name: 'other', plugins: { predicate: ['resource'] } },
        {
          name: 'default',
          plugins: {
            predicate: ['image', 'gpu-magic', 'labelselector'],
            score: [
              { name: 'resbalance', weight: 10 },
              { name: 'random', weight: 5 },
            ],
          },
          pluginConf: [
            { name: 'labelselector', args: { keys: ['team'] } },
            { name: 'resbalance', args: { strategy: 'MostAllocated' } },
          ],
        },
      ),
    );
    expect(problem).toBeUndefined();
    expect(profile.name).toBe('default');
    expect(profile.predicates.map((p) => p.name)).toEqual(['image', 'labelselector']);
    expect(profile.scorers.map(({ scorer, weight }) => [scorer.name, weight])).toEqual([['resbalance', 10]]);
    // The configured arguments are those in force: MostAllocated, and the team key.
    expect(profile.scorers[0]!.scorer.score(candidate(3, 4))).toBe(0.75);
    const labelSelector = profile.predicates[1]!;
    expect(labelSelector.reject({ labels: { team: 'a' } }, candidate(0, 0, { team: 'b' }))).toMatch(/team/);
    expect(labelSelector.reject({ labels: { team: 'a' } }, candidate(0, 0, { team: 'a' }))).toBeUndefined();
  });

  it('resbalance without arguments balances with LeastAllocated', () => {
    const { profile } = assignProfileFromConfig(profiles({ name: 'default', plugins: { score: [{ name: 'resbalance', weight: 1 }] } }));
    expect(profile.predicates).toEqual([]);
    expect(profile.scorers[0]!.scorer.score(candidate(1, 4))).toBe(0.75);
  });
});
