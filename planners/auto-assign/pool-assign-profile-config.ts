// Auto-assign profiles from configuration (spec §5): the `profiles` key of ConfigMap
// `pool-assign-profiles`, a JSON array of {name, plugins: {predicate: [names], score: [{name, weight}]},
// pluginConf: [{name, args}]}. Only the profile named "default" is ever used (as upstream). Anything
// missing, empty or invalid leaves the built-in default in force; unknown plugin names are skipped.
import { z } from 'zod';
import { imagePredicate, labelSelectorPredicate, nodeSelectorPredicate, resourcePredicate } from './pool-assign-predicates.js';
import { DEFAULT_ASSIGN_PROFILE } from './pool-assign-profile.js';
import type { AssignProfile, PoolPredicate, PoolScorer } from './assign-plugins.js';
import { RESOURCE_BALANCE_STRATEGIES, resourceBalanceScorer } from './pool-assign-scorers.js';

export const ASSIGN_PROFILES_CONFIGMAP = 'pool-assign-profiles';
export const ASSIGN_PROFILES_KEY = 'profiles';

const profilesSchema = z.array(
  z.object({
    name: z.string(),
    plugins: z
      .object({
        predicate: z.array(z.string()).optional(),
        score: z.array(z.object({ name: z.string(), weight: z.number() })).optional(),
      })
      .optional(),
    pluginConf: z.array(z.object({ name: z.string(), args: z.unknown().optional() })).optional(),
  }),
);

const labelSelectorArgsSchema = z.object({ keys: z.array(z.string()) });
const resourceBalanceArgsSchema = z.object({ strategy: z.enum(RESOURCE_BALANCE_STRATEGIES).optional() });

const FIXED_PREDICATES: Record<string, PoolPredicate> = {
  image: imagePredicate,
  resource: resourcePredicate,
  nodeselector: nodeSelectorPredicate,
};

export interface ConfiguredProfile {
  profile: AssignProfile;
  /** Why the configuration was not used, when it was not. */
  problem?: string;
}

export function assignProfileFromConfig(profiles: string | undefined): ConfiguredProfile {
  if (profiles === undefined || profiles.trim() === '') return { profile: DEFAULT_ASSIGN_PROFILE };
  let json: unknown;
  try {
    json = JSON.parse(profiles);
  } catch (err) {
    return { profile: DEFAULT_ASSIGN_PROFILE, problem: `${ASSIGN_PROFILES_KEY} is not JSON: ${(err as Error).message}` };
  }
  const parsed = profilesSchema.safeParse(json);
  if (!parsed.success) return { profile: DEFAULT_ASSIGN_PROFILE, problem: issueText(parsed.error) };
  const entry = parsed.data.find((p) => p.name === DEFAULT_ASSIGN_PROFILE.name);
  if (!entry) return { profile: DEFAULT_ASSIGN_PROFILE, problem: `no profile named "${DEFAULT_ASSIGN_PROFILE.name}"` };

  const args = (plugin: string) => entry.pluginConf?.find((c) => c.name === plugin)?.args ?? {};
  const predicates: PoolPredicate[] = [];
  for (const name of entry.plugins?.predicate ?? []) {
    if (name in FIXED_PREDICATES) predicates.push(FIXED_PREDICATES[name]!);
    if (name === 'labelselector') {
      const conf = labelSelectorArgsSchema.safeParse(args(name));
      if (!conf.success) return { profile: DEFAULT_ASSIGN_PROFILE, problem: `labelselector args: ${issueText(conf.error)}` };
      predicates.push(labelSelectorPredicate(conf.data.keys));
    }
  }
  const scorers: { scorer: PoolScorer; weight: number }[] = [];
  for (const { name, weight } of entry.plugins?.score ?? []) {
    if (name !== 'resbalance') continue;
    const conf = resourceBalanceArgsSchema.safeParse(args(name));
    if (!conf.success) return { profile: DEFAULT_ASSIGN_PROFILE, problem: `resbalance args: ${issueText(conf.error)}` };
    scorers.push({ scorer: resourceBalanceScorer(conf.data.strategy ?? 'LeastAllocated'), weight });
  }
  return { profile: { name: entry.name, predicates, scorers } };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}
