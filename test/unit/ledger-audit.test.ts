// The pool ledger audited against the allocation annotations: what counts as drift and how it is repaired.
import { describe, expect, it } from '@jest/globals';
import { auditLedger, type LedgerDrift } from '../../planners/pool/ledger-audit.js';
import type { Ledger } from '../../planners/pool/allocation.js';
import { aPod } from '../builders/pod.js';
import { sandboxView } from '../builders/sandbox-view.js';
import type { SandboxView } from '../../planners/pool/pool-observation.js';

const pods = ['p1', 'p2', 'p3', 'p4'].map((name) => aPod(name, 'ns').inPool('pool').digest());

describe('auditLedger', () => {
  const cases: { name: string; ledger: Ledger; sandboxes: SandboxView[]; repaired: Ledger; drift: LedgerDrift[] }[] = [
    {
      name: 'no drift when the ledger and the annotations agree',
      ledger: { p1: 'a', p2: 'b' },
      sandboxes: [sandboxView('a', { allocated: ['p1'] }), sandboxView('b', { allocated: ['p2'] })],
      repaired: { p1: 'a', p2: 'b' },
      drift: [],
    },
    {
      name: 'a pod the ledger gave out but the annotation does not show yet is not drift (it is redelivered)',
      ledger: { p1: 'a', p2: 'a' },
      sandboxes: [sandboxView('a', { allocated: ['p1'] })],
      repaired: { p1: 'a', p2: 'a' },
      drift: [],
    },
    {
      name: 'an annotation claiming a pod the ledger thinks idle: adopted',
      ledger: { p1: 'a' },
      sandboxes: [sandboxView('a', { allocated: ['p1'] }), sandboxView('b', { allocated: ['p3'] })],
      repaired: { p1: 'a', p3: 'b' },
      drift: [{ kind: 'untracked', pod: 'p3', claimedBy: 'b' }],
    },
    {
      name: 'two owners: the ledger keeps its own and the conflict is reported',
      ledger: { p1: 'a' },
      sandboxes: [sandboxView('a', { allocated: ['p1'] }), sandboxView('b', { allocated: ['p1'] })],
      repaired: { p1: 'a' },
      drift: [{ kind: 'conflict', pod: 'p1', claimedBy: 'b', ledgerOwner: 'a' }],
    },
    {
      name: 'released pods, pods that no longer exist, deleting and malformed sandboxes claim nothing',
      ledger: {},
      sandboxes: [
        sandboxView('a', { allocated: ['p1'], released: ['p1'] }),
        sandboxView('b', { allocated: ['gone'] }),
        sandboxView('c', { allocated: ['p2'], deleting: true }),
        sandboxView('d', { allocated: ['p3'], malformed: 'alloc-status: not JSON' }),
      ],
      repaired: {},
      drift: [],
    },
    {
      name: 'a pod claimed by two sandboxes neither of which the ledger knows: the first by name adopts it',
      ledger: {},
      sandboxes: [sandboxView('b', { allocated: ['p4'] }), sandboxView('a', { allocated: ['p4'] })],
      repaired: { p4: 'a' },
      drift: [
        { kind: 'untracked', pod: 'p4', claimedBy: 'a' },
        { kind: 'conflict', pod: 'p4', claimedBy: 'b', ledgerOwner: 'a' },
      ],
    },
  ];

  it.each(cases)('$name', ({ ledger, sandboxes, repaired, drift }) => {
    const audit = auditLedger(ledger, sandboxes, pods);
    expect(audit.ledger).toEqual(repaired);
    expect(audit.drift).toEqual(drift);
  });

  it('returns the same ledger object when there is no drift (no copy per round)', () => {
    const ledger = { p1: 'a' };
    expect(auditLedger(ledger, [sandboxView('a', { allocated: ['p1'] })], pods).ledger).toBe(ledger);
  });
});
