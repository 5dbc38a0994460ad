import { describe, expect, it } from '@jest/globals';
import { requirementMatches, termsMatch, type NodeSelectorRequirement, type NodeSelectorTerm } from '../../planners/kube/node-selector-terms.js';

const labels = { accelerator: 'gpu', disk: 'ssd', cores: '8' };

describe('requirementMatches', () => {
  it.each<[string, NodeSelectorRequirement, boolean]>([
    ['In, value listed', { key: 'accelerator', operator: 'In', values: ['cpu', 'gpu'] }, true],
    ['In, value not listed', { key: 'accelerator', operator: 'In', values: ['cpu'] }, false],
    ['In, label absent', { key: 'zone', operator: 'In', values: ['a'] }, false],
    ['NotIn, value listed', { key: 'disk', operator: 'NotIn', values: ['ssd'] }, false],
    ['NotIn, value not listed', { key: 'disk', operator: 'NotIn', values: ['hdd'] }, true],
    ['NotIn, label absent', { key: 'zone', operator: 'NotIn', values: ['a'] }, true],
    ['Exists, present', { key: 'disk', operator: 'Exists' }, true],
    ['Exists, absent', { key: 'zone', operator: 'Exists' }, false],
    ['DoesNotExist, present', { key: 'disk', operator: 'DoesNotExist' }, false],
    ['DoesNotExist, absent', { key: 'zone', operator: 'DoesNotExist' }, true],
    ['Gt, greater', { key: 'cores', operator: 'Gt', values: ['4'] }, true],
    ['Gt, equal', { key: 'cores', operator: 'Gt', values: ['8'] }, false],
    ['Gt, label not an integer', { key: 'disk', operator: 'Gt', values: ['1'] }, false],
    ['Gt, bound not an integer', { key: 'cores', operator: 'Gt', values: ['x'] }, false],
    ['Gt, two bounds', { key: 'cores', operator: 'Gt', values: ['1', '2'] }, false],
    ['Gt, label absent', { key: 'zone', operator: 'Gt', values: ['1'] }, false],
    ['Lt, smaller', { key: 'cores', operator: 'Lt', values: ['16'] }, true],
    ['Lt, greater', { key: 'cores', operator: 'Lt', values: ['2'] }, false],
    ['unknown operator', { key: 'disk', operator: 'Matches', values: ['ssd'] }, false],
  ])('%s', (_case, requirement, expected) => {
    expect(requirementMatches(labels, requirement)).toBe(expected);
  });
});

describe('termsMatch', () => {
  const gpu = { key: 'accelerator', operator: 'In', values: ['gpu'] };
  const hdd = { key: 'disk', operator: 'In', values: ['hdd'] };
  const ssd = { key: 'disk', operator: 'In', values: ['ssd'] };
  it.each<[string, NodeSelectorTerm[], boolean]>([
    ['no terms: no constraint', [], true],
    ['one term, all expressions hold', [{ matchExpressions: [gpu, ssd] }], true],
    ['one term, one expression fails (AND)', [{ matchExpressions: [gpu, hdd] }], false],
    ['second term holds (OR)', [{ matchExpressions: [hdd] }, { matchExpressions: [gpu] }], true],
    ['no term holds', [{ matchExpressions: [hdd] }, { matchExpressions: [gpu, hdd] }], false],
    ['empty term matches nothing', [{}], false],
    ['matchFields only: ignored, the term holds', [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }], true],
    ['matchFields ignored next to failing expressions', [{ matchExpressions: [hdd], matchFields: [{}] }], false],
  ])('%s', (_case, terms, expected) => {
    expect(termsMatch(labels, terms)).toBe(expected);
  });
});
