import { describe, expect, it } from '@jest/globals';
import { StringPool } from '../../kernel/string-pool.js';

describe('StringPool', () => {
  it('keeps one entry per distinct short string and returns equal values', () => {
    const pool = new StringPool();
    const a = JSON.parse('{"phase":"Running"}') as { phase: string };
    const b = JSON.parse('{"phase":"Running"}') as { phase: string };
    expect(pool.intern(a.phase)).toBe('Running');
    expect(pool.intern(b.phase)).toBe('Running');
    expect(pool.size).toBe(1);
  });

  it('leaves long strings out of the table', () => {
    const pool = new StringPool();
    const annotation = JSON.stringify({ pods: Array.from({ length: 20 }, (_, i) => `pool-pod-${i}`) });
    expect(annotation.length).toBeGreaterThan(128);
    expect(pool.intern(annotation)).toBe(annotation);
    expect(pool.size).toBe(0);
  });

  it('starts a fresh table once full, so it never grows past its bound', () => {
    const pool = new StringPool(3);
    for (const value of ['a', 'b', 'c']) pool.intern(value);
    expect(pool.size).toBe(3);
    expect(pool.intern('d')).toBe('d');
    expect(pool.size).toBe(1);
    expect(pool.intern('a')).toBe('a');
    expect(pool.size).toBe(2);
  });

  it('interns every string of a JSON tree in place and leaves its shape and other values alone', () => {
    const pool = new StringPool();
    const pod = JSON.parse(
      '{"metadata":{"name":"p-0","labels":{"pool":"warm"}},"spec":{"containers":[{"name":"main","ports":[{"containerPort":80}]}]},"status":{"phase":"Running","ready":true,"ip":null}}',
    ) as unknown;
    const copy = structuredClone(pod);
    expect(pool.internAll(pod)).toBe(pod);
    expect(pod).toEqual(copy);
    // the pod name, the label value, the container name and the phase
    expect(pool.size).toBe(4);
  });
});
