// Whether a JSON merge patch (RFC 7386) would change its target: what decides that a write can be left out.
import { describe, expect, it } from '@jest/globals';
import { mergePatchChanges } from '../../planners/kube/merge-patch.js';

describe('mergePatchChanges', () => {
  const target = { phase: 'Running', counts: { ready: 2, allocated: 2 }, conditions: [{ type: 'Ready', status: 'True' }] };

  it('is false for a patch whose every value the target already holds, in any key order', () => {
    expect(mergePatchChanges(target, {})).toBe(false);
    expect(mergePatchChanges(target, { counts: { allocated: 2 } })).toBe(false);
    expect(mergePatchChanges(target, { conditions: [{ status: 'True', type: 'Ready' }], phase: 'Running' })).toBe(false);
  });

  it('is true for a changed, added or removed value', () => {
    expect(mergePatchChanges(target, { phase: 'Pending' })).toBe(true);
    expect(mergePatchChanges(target, { counts: { ready: 1 } })).toBe(true);
    expect(mergePatchChanges(target, { observedGeneration: 3 })).toBe(true);
    expect(mergePatchChanges(target, { phase: null })).toBe(true);
  });

  it('is false for removing a key that is not there', () => {
    expect(mergePatchChanges(target, { observedGeneration: null })).toBe(false);
  });

  it('replaces arrays whole: a shorter, longer or reordered list is a change', () => {
    expect(mergePatchChanges({ pods: ['a', 'b'] }, { pods: ['a'] })).toBe(true);
    expect(mergePatchChanges({ pods: ['a'] }, { pods: ['a', 'b'] })).toBe(true);
    expect(mergePatchChanges({ pods: ['a', 'b'] }, { pods: ['b', 'a'] })).toBe(true);
    expect(mergePatchChanges({ pods: [{ name: 'a', extra: 1 }] }, { pods: [{ name: 'a' }] })).toBe(true);
  });

  it('treats an object patch on a missing or scalar value as a change', () => {
    expect(mergePatchChanges(undefined, { replicas: 1 })).toBe(true);
    expect(mergePatchChanges({ counts: 3 }, { counts: { ready: 3 } })).toBe(true);
  });

  it('ignores keys whose value is undefined, as JSON does not send them', () => {
    expect(mergePatchChanges({ phase: 'Running' }, { phase: 'Running', observedGeneration: undefined })).toBe(false);
    expect(mergePatchChanges({ list: [{ a: 1, b: undefined }] }, { list: [{ a: 1 }] })).toBe(false);
  });
});
