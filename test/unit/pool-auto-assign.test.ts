// Auto-assign planning (spec §5): each predicate, the resbalance scorer and the choice, table-driven.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import { imagePredicate, labelSelectorPredicate, nodeSelectorPredicate, resourcePredicate } from '../../planners/auto-assign/pool-assign-predicates.js';
import type { AssignCandidate, AssignProfile, AssignSubject, PoolPredicate } from '../../planners/auto-assign/assign-plugins.js';
import { resourceBalanceScorer, type ResourceBalanceStrategy } from '../../planners/auto-assign/pool-assign-scorers.js';
import { matchedTemplate } from '../../planners/auto-assign/pool-assign-template.js';
import { choosePool } from '../../planners/auto-assign/pool-auto-assign.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';

type Json = Record<string, unknown>;

interface TemplateParts {
  images?: string[];
  /** One container per entry, its requests. */
  requests?: Record<string, string | number>[];
  nodeSelector?: Record<string, string>;
  affinity?: Json;
}

function template({ images = ['app:1'], requests, nodeSelector, affinity }: TemplateParts = {}): PodTemplate {
  const containers = (requests ?? images.map(() => undefined)).map((req, i) => ({
    name: `c${i}`,
    image: images[i] ?? images[0],
    ...(req && { resources: { requests: req } }),
  }));
  return { spec: { containers, ...(nodeSelector && { nodeSelector }), ...(affinity && { affinity }) } };
}

function requiredAffinity(...terms: Json[][]): Json {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })),
      },
    },
  };
}

function subject(parts?: TemplateParts, labels: Record<string, string> = {}): AssignSubject {
  return { labels, template: parts && matchedTemplate(template(parts)) };
}

function candidate(parts: TemplateParts = {}, labels: Record<string, string> = {}, allocated = 0, total = 0): AssignCandidate {
  return { name: 'p', labels, template: matchedTemplate(template(parts)), allocated, total };
}

interface PredicateRow {
  case: string;
  subject: AssignSubject;
  candidate: AssignCandidate;
  /** undefined = passes; otherwise the rejection must match. */
  rejected?: RegExp;
}

function checkPredicate(predicate: PoolPredicate, rows: PredicateRow[]): void {
  it.each(rows)('$case', (row) => {
    const reason = predicate.reject(row.subject, row.candidate);
    if (row.rejected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(row.rejected);
  });
}

describe('predicate image', () => {
  checkPredicate(imagePredicate, [
    { case: 'sandbox without template passes', subject: subject(), candidate: candidate({ images: ['x:1'] }) },
    { case: 'same image', subject: subject({ images: ['app:1'] }), candidate: candidate({ images: ['app:1'] }) },
    {
      case: 'one of several sandbox images in one of several pool images',
      subject: subject({ images: ['side:1', 'app:1'] }),
      candidate: candidate({ images: ['other:1', 'app:1'] }),
    },
    {
      case: 'different tag',
      subject: subject({ images: ['app:1'] }),
      candidate: candidate({ images: ['app:2'] }),
      rejected: /^image: the pool runs none of app:1$/,
    },
    {
      case: 'sandbox template without image',
      subject: subject({ images: [''] }),
      candidate: candidate({ images: ['app:1'] }),
      rejected: /names no image/,
    },
  ]);
});

describe('predicate resource', () => {
  checkPredicate(resourcePredicate, [
    { case: 'sandbox without template passes', subject: subject(), candidate: candidate() },
    { case: 'sandbox requests nothing', subject: subject({}), candidate: candidate({ requests: [{ cpu: '1' }] }) },
    {
      case: 'pool requests more (500m/512Mi vs 200m/128Mi, upstream e2e 38)',
      subject: subject({ requests: [{ cpu: '200m', memory: '128Mi' }] }),
      candidate: candidate({ requests: [{ cpu: '500m', memory: '512Mi' }] }),
    },
    {
      case: 'equal requests in other units',
      subject: subject({ requests: [{ cpu: '0.5', memory: '1Gi' }] }),
      candidate: candidate({ requests: [{ cpu: '500m', memory: '1024Mi' }] }),
    },
    {
      case: 'pool requests less cpu (50m/32Mi, upstream e2e 38)',
      subject: subject({ requests: [{ cpu: '200m', memory: '128Mi' }] }),
      candidate: candidate({ requests: [{ cpu: '50m', memory: '32Mi' }] }),
      rejected: /^resource: cpu request 200m exceeds the pool's 50m$/,
    },
    {
      case: 'resource the pool does not request',
      subject: subject({ requests: [{ 'nvidia.com/gpu': 1 }] }),
      candidate: candidate({ requests: [{ cpu: '4' }] }),
      rejected: /^resource: nvidia.com\/gpu request 1 exceeds the pool's 0$/,
    },
    {
      case: 'sums over the containers of both templates',
      subject: subject({ images: ['a', 'b'], requests: [{ memory: '1Gi' }, { memory: '1Gi' }] }),
      candidate: candidate({ images: ['a', 'b'], requests: [{ memory: '1536Mi' }, { memory: '512Mi' }] }),
    },
    {
      case: 'sandbox sum exceeds a single pool container',
      subject: subject({ images: ['a', 'b'], requests: [{ memory: '1Gi' }, { memory: '1' }] }),
      candidate: candidate({ requests: [{ memory: '1Gi' }] }),
      rejected: /memory request 1073741825 exceeds the pool's 1Gi/,
    },
  ]);
});

describe('predicate nodeselector', () => {
  const gpuIn = [{ key: 'accelerator', operator: 'In', values: ['gpu'] }];
  checkPredicate(nodeSelectorPredicate, [
    { case: 'sandbox without template passes', subject: subject(), candidate: candidate() },
    {
      case: 'nodeSelector vs pool template nodeSelector (upstream e2e 34)',
      subject: subject({ nodeSelector: { disk: 'ssd' } }),
      candidate: candidate({ nodeSelector: { disk: 'ssd' } }),
    },
    {
      case: 'nodeSelector vs other pool template nodeSelector',
      subject: subject({ nodeSelector: { disk: 'ssd' } }),
      candidate: candidate({ nodeSelector: { disk: 'hdd' } }),
      rejected: /^nodeselector: disk=ssd is not among/,
    },
    {
      case: 'nodeSelector vs pool labels (upstream e2e 36)',
      subject: subject({ nodeSelector: { accelerator: 'gpu' } }),
      candidate: candidate({}, { accelerator: 'gpu' }),
    },
    {
      case: 'template nodeSelector overrides the pool label of the same key',
      subject: subject({ nodeSelector: { disk: 'hdd' } }),
      candidate: candidate({ nodeSelector: { disk: 'ssd' } }, { disk: 'hdd' }),
      rejected: /disk=hdd/,
    },
    {
      case: 'subset: the pool may have more labels',
      subject: subject({ nodeSelector: { disk: 'ssd' } }),
      candidate: candidate({ nodeSelector: { disk: 'ssd', zone: 'a' } }, { team: 'x' }),
    },
    {
      case: 'nodeSelector key the pool lacks',
      subject: subject({ nodeSelector: { zone: 'a' } }),
      candidate: candidate({}, {}),
      rejected: /zone=a/,
    },
    {
      case: 'required affinity vs pool labels (upstream e2e 35)',
      subject: subject({ affinity: requiredAffinity(gpuIn) }),
      candidate: candidate({}, { accelerator: 'gpu' }),
    },
    {
      case: 'required affinity vs other pool labels',
      subject: subject({ affinity: requiredAffinity(gpuIn) }),
      candidate: candidate({}, { accelerator: 'cpu' }),
      rejected: /required node affinity/,
    },
    {
      case: 'required affinity vs pool template nodeSelector (upstream e2e 37)',
      subject: subject({ affinity: requiredAffinity([{ key: 'disk', operator: 'In', values: ['ssd'] }]) }),
      candidate: candidate({ nodeSelector: { disk: 'ssd' } }),
    },
    {
      case: 'nodeSelector holds but affinity does not',
      subject: subject({ nodeSelector: { disk: 'ssd' }, affinity: requiredAffinity(gpuIn) }),
      candidate: candidate({ nodeSelector: { disk: 'ssd' } }),
      rejected: /required node affinity/,
    },
  ]);
});

describe('predicate labelselector', () => {
  checkPredicate(labelSelectorPredicate(['team', 'tier']), [
    {
      case: 'every key equal',
      subject: subject(undefined, { team: 'a', tier: 'gold', other: 'x' }),
      candidate: candidate({}, { team: 'a', tier: 'gold' }),
    },
    {
      case: 'sandbox lacks a key',
      subject: subject(undefined, { team: 'a' }),
      candidate: candidate({}, { team: 'a', tier: 'gold' }),
      rejected: /^labelselector: the sandbox has no label tier$/,
    },
    {
      case: 'pool value differs',
      subject: subject(undefined, { team: 'a', tier: 'gold' }),
      candidate: candidate({}, { team: 'a', tier: 'silver' }),
      rejected: /^labelselector: the pool's label tier is not gold$/,
    },
    {
      case: 'pool lacks a key',
      subject: subject(undefined, { team: 'a', tier: 'gold' }),
      candidate: candidate({}, { team: 'a' }),
      rejected: /tier/,
    },
  ]);
  it('with no keys, passes', () => {
    expect(labelSelectorPredicate([]).reject(subject(), candidate())).toBeUndefined();
  });
});

describe('scorer resbalance', () => {
  it.each<[ResourceBalanceStrategy, number, number, number]>([
    ['LeastAllocated', 0, 4, 1],
    ['LeastAllocated', 1, 4, 0.75],
    ['LeastAllocated', 4, 4, 0],
    ['LeastAllocated', 0, 0, 0],
    ['MostAllocated', 1, 4, 0.25],
    ['MostAllocated', 4, 4, 1],
    ['MostAllocated', 0, 0, 0],
  ])('%s with %i of %i allocated scores %p', (strategy, allocated, total, score) => {
    expect(resourceBalanceScorer(strategy).score(candidate({}, {}, allocated, total))).toBe(score);
  });

  it('refuses an unknown strategy', () => {
    expect(() => resourceBalanceScorer('Balanced' as ResourceBalanceStrategy)).toThrow(/unknown strategy "Balanced"/);
  });
});

describe('choosePool', () => {
  const pool = (name: string, parts: TemplateParts = {}, status?: { allocated: number; total: number }): Pool => {
    const built = aPool(name, 'ns').template(template(parts)).build();
    if (status) built.status = { revision: 'r', available: status.total - status.allocated, ...status };
    return built;
  };
  const star = (parts?: TemplateParts): BatchSandbox => {
    const bs = aBatchSandbox('bs', 'ns').poolRef('*');
    return (parts ? bs.template(template(parts)) : bs).build();
  };

  interface ChoiceRow {
    case: string;
    sandbox: BatchSandbox;
    pools: Pool[];
    profile?: AssignProfile;
    chosen?: string;
    reason?: RegExp;
  }

  const mostAllocated: AssignProfile = {
    name: 'pack',
    predicates: [],
    scorers: [{ scorer: resourceBalanceScorer('MostAllocated'), weight: 1 }],
  };

  it.each<ChoiceRow>([
    { case: 'no template, single pool (upstream e2e 32)', sandbox: star(), pools: [pool('only')], chosen: 'only' },
    {
      case: 'image picks the matching pool (upstream e2e 33)',
      sandbox: star({ images: ['sandbox:1'] }),
      pools: [pool('busybox', { images: ['busybox:1.36'] }), pool('match', { images: ['sandbox:1'] })],
      chosen: 'match',
    },
    {
      case: 'tie: the lexicographically smaller name',
      sandbox: star(),
      pools: [pool('b', {}, { allocated: 1, total: 2 }), pool('a', {}, { allocated: 2, total: 4 }), pool('c')],
      chosen: 'a',
    },
    {
      case: 'tie without status: byte-wise order, digits before letters',
      sandbox: star(),
      pools: [pool('pool-b'), pool('pool-1')],
      chosen: 'pool-1',
    },
    {
      case: 'LeastAllocated prefers the emptier pool',
      sandbox: star(),
      pools: [pool('a', {}, { allocated: 3, total: 4 }), pool('b', {}, { allocated: 1, total: 4 })],
      chosen: 'b',
    },
    {
      case: 'a profile with MostAllocated prefers the fuller pool',
      sandbox: star(),
      pools: [pool('a', {}, { allocated: 3, total: 4 }), pool('b', {}, { allocated: 1, total: 4 })],
      profile: mostAllocated,
      chosen: 'a',
    },
    {
      case: 'a pool being deleted is not chosen',
      sandbox: star(),
      pools: [{ ...pool('a'), metadata: { ...pool('a').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, pool('b')],
      chosen: 'b',
    },
    { case: 'no pool at all', sandbox: star(), pools: [], reason: /^there is no Pool in namespace ns$/ },
    {
      case: 'every pool rejected: each says why',
      sandbox: star({ images: ['sandbox:1'], requests: [{ cpu: '2' }] }),
      pools: [pool('small', { images: ['sandbox:1'], requests: [{ cpu: '1' }] }), pool('other', { images: ['busybox:1.36'] })],
      reason: /^no Pool qualifies: other \(image: .*\); small \(resource: cpu request 2 exceeds the pool's 1\)$/,
    },
    {
      case: 'a sandbox template that cannot be read',
      sandbox: star({ requests: [{ cpu: 'lots' }] }),
      pools: [pool('a')],
      reason: /^its template cannot be matched: spec\.containers\.0\.resources\.requests\.cpu: invalid quantity "lots"$/,
    },
    {
      case: 'a pool template that cannot be read is skipped, another chosen',
      sandbox: star(),
      pools: [pool('a', { nodeSelector: { disk: 1 as unknown as string } }), pool('b')],
      chosen: 'b',
    },
  ])('$case', ({ sandbox, pools, profile, chosen, reason }) => {
    const choice = choosePool({ sandbox, pools, profile });
    if (chosen !== undefined) expect(choice).toMatchObject({ kind: 'assign', pool: chosen });
    else {
      expect(choice.kind).toBe('none');
      expect(choice.kind === 'none' && choice.reason).toMatch(reason!);
    }
  });

  it('weighs the scorers of the profile', () => {
    const choice = choosePool({
      sandbox: star(),
      pools: [pool('a', {}, { allocated: 1, total: 4 })],
    });
    expect(choice).toEqual({ kind: 'assign', pool: 'a', score: 75 });
  });
});
