import { describe, expect, it } from '@jest/globals';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { defaultEvictionHandler, evictionHandlerFor, isAllocatable, planEviction, type EvictionHandler } from '../../planners/pool/pool-eviction.js';
import { aPod, type PodBuilder } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';
import { aPool } from '../builders/pool.js';

const pod = (name: string) => aPod(name).inPool('p', 'rev1');

describe('defaultEvictionHandler.needsEviction', () => {
  it.each<[string, PodBuilder, boolean]>([
    ['a pod without the label', pod('a').ready(), false],
    ['the label with a value', pod('a').ready().label(LABELS.evict, 'true'), true],
    ['the label with an empty value', pod('a').ready().label(LABELS.evict, ''), true],
    ['a pod that is not ready', pod('a').label(LABELS.evict, ''), true],
    ['a terminating pod', pod('a').ready().label(LABELS.evict, '').terminating(), false],
  ])('%s', (_, builder, expected) => {
    expect(defaultEvictionHandler.needsEviction(builder.digest())).toBe(expected);
  });
});

describe('evictionHandlerFor', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['no label', undefined, undefined],
    ['an empty label', '', undefined],
    ['"default"', 'default', undefined],
    ['an unknown name', 'drain-first', 'unknown eviction handler "drain-first" in label pool.opensandbox.io/eviction-handler; using "default"'],
  ])('%s selects the default handler', (_, label, warning) => {
    const pool = label === undefined ? aPool('p') : aPool('p').label(LABELS.evictionHandler, label);
    expect(evictionHandlerFor(pool.build())).toEqual({ handler: defaultEvictionHandler, ...(warning ? { warning } : {}) });
  });
});

describe('planEviction', () => {
  const pods: PodDigest[] = [
    pod('idle-marked').ready().label(LABELS.evict, '').digest(),
    pod('idle').ready().digest(),
    pod('allocated-marked').ready().label(LABELS.evict, 'x').digest(),
    pod('allocated').ready().digest(),
    pod('warming-marked').label(LABELS.evict, '').digest(),
    pod('going-marked').ready().label(LABELS.evict, '').terminating().digest(),
  ];

  it.each<[string, string[], { evict: string[]; protected: string[] }]>([
    ['nothing allocated: every marked pod goes', [], { evict: ['idle-marked', 'allocated-marked', 'warming-marked'], protected: [] }],
    ['allocated marked pods are protected', ['allocated-marked', 'allocated'], { evict: ['idle-marked', 'warming-marked'], protected: ['allocated-marked'] }],
  ])('%s', (_, allocated, expected) => {
    expect(planEviction(pods, allocated, defaultEvictionHandler)).toEqual(expected);
  });

  it('asks the given handler', () => {
    const everything: EvictionHandler = { name: 'everything', needsEviction: () => true };
    expect(planEviction(pods.slice(0, 2), ['idle'], everything)).toEqual({ evict: ['idle-marked'], protected: ['idle'] });
  });
});

describe('isAllocatable', () => {
  it.each<[string, PodBuilder, boolean]>([
    ['a ready pod of the current revision', pod('a').ready(), true],
    ['a pod that is not ready', pod('a').phase('Running'), false],
    ['a terminating pod', pod('a').ready().terminating(), false],
    ['a pod labelled for eviction', pod('a').ready().label(LABELS.evict, ''), false],
    ['a pod of an old revision', aPod('a').inPool('p', 'rev0').ready(), false],
    ['a pod without a revision', aPod('a').ready(), false],
  ])('%s', (_, builder, expected) => {
    expect(isAllocatable(builder.digest(), 'rev1', defaultEvictionHandler)).toBe(expected);
  });
});
