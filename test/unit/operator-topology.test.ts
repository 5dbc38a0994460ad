import { describe, expect, it } from '@jest/globals';
import { parseTopology, topologyName } from '../../bench/operator-topology.js';

describe('parseTopology', () => {
  it('reads one list of roles per process', () => {
    expect(parseTopology('watch+work,watch+work,work')).toEqual([['watch', 'work'], ['watch', 'work'], ['work']]);
    expect(parseTopology('watch, work')).toEqual([['watch'], ['work']]);
    expect(topologyName(parseTopology('watch+work,work'))).toBe('watch+work,work');
  });

  it('refuses an unknown role or an empty process, naming the option', () => {
    expect(() => parseTopology('watch+wrok')).toThrow("--operators: 'watch+wrok' is not a comma-separated list");
    expect(() => parseTopology('watch+work,')).toThrow('is not a comma-separated list');
  });

  it('refuses a topology that no process watches or no process works for', () => {
    expect(() => parseTopology('work,work')).toThrow('needs a process with the watch role and one with the work role');
    expect(() => parseTopology('watch')).toThrow('needs a process with the watch role');
  });
});
