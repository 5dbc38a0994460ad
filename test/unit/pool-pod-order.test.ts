import { describe, expect, it } from '@jest/globals';
import type { PodDigest } from '../../planners/pool/pool-observation.js';
import { deletionPreference, oldestFirst } from '../../planners/pool/pool-pod-order.js';
import { aPod, type PodBuilder } from '../builders/pod.js';

const pod = (name: string) => aPod(name).inPool('p');
const build = (builder: PodBuilder): PodDigest => builder.digest();

describe('deletionPreference: the first pod goes first', () => {
  it.each<[string, PodBuilder, PodBuilder]>([
    ['unscheduled before scheduled', pod('b'), pod('a').onNode('n1')],
    ['Pending before Unknown', pod('b').onNode('n1').phase('Pending'), pod('a').onNode('n1').phase('Unknown')],
    ['Unknown before Running', pod('b').onNode('n1').phase('Unknown'), pod('a').onNode('n1').phase('Running')],
    ['not ready before ready', pod('b').onNode('n1').phase('Running'), pod('a').ready()],
    ['the more recently ready first', pod('b').ready('10.0.0.2', '2026-01-01T00:09:00Z'), pod('a').ready('10.0.0.1', '2026-01-01T00:01:00Z')],
    ['more restarts first', pod('b').ready().container('sandbox', { restarts: 4 }), pod('a').ready().container('sandbox', { restarts: 1 })],
    ['newer first', pod('b').ready().createdAt('2026-01-01T00:05:00Z'), pod('a').ready().createdAt('2026-01-01T00:01:00Z')],
    ['then by name', pod('a').ready(), pod('b').ready()],
    [
      'ready time before restarts',
      pod('b').ready('10.0.0.2', '2026-01-01T00:09:00Z'),
      pod('a').ready('10.0.0.1', '2026-01-01T00:01:00Z').container('sandbox', { restarts: 9 }),
    ],
  ])('%s', (_, first, second) => {
    expect(deletionPreference(build(first), build(second))).toBeLessThan(0);
    expect(deletionPreference(build(second), build(first))).toBeGreaterThan(0);
  });

  it('reads digests as the workflow history gives them back (JSON)', () => {
    const [older, newer] = [
      JSON.parse(JSON.stringify(pod('a').ready().createdAt('2026-01-01T00:01:00Z').digest())) as PodDigest,
      JSON.parse(JSON.stringify(pod('b').ready().createdAt('2026-01-01T00:05:00Z').digest())) as PodDigest,
    ];
    expect(deletionPreference(newer, older)).toBeLessThan(0);
    expect(oldestFirst(older, newer)).toBeLessThan(0);
  });
});

describe('oldestFirst', () => {
  it.each<[string, PodBuilder, PodBuilder]>([
    ['older first', pod('b').createdAt('2026-01-01T00:01:00Z'), pod('a').createdAt('2026-01-01T00:02:00Z')],
    ['then by name', pod('a'), pod('b')],
  ])('%s', (_, first, second) => {
    expect(oldestFirst(build(first), build(second))).toBeLessThan(0);
    expect(oldestFirst(build(second), build(first))).toBeGreaterThan(0);
  });
});
