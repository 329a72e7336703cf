import { describe, expect, it } from 'vitest';
import { progressReporter } from './progress.js';
import { memoryIo } from './testing-io.js';

describe('progressReporter', () => {
  it('prints nothing when stderr is not a terminal', () => {
    const io = memoryIo();
    const drawn: string[] = [];
    const bar = progressReporter(io, 'pull', (s) => drawn.push(s));
    for (let done = 0; done <= 100; done += 10) bar.update(done, 100);
    bar.end();
    expect(drawn).toEqual([]);
    expect(io.err()).toBe('');
  });

  it('redraws one bar on a terminal and ends the line', () => {
    const io = { ...memoryIo(), isTTY: true };
    const drawn: string[] = [];
    const bar = progressReporter(io, 'push', (s) => drawn.push(s));
    bar.update(512, 1024);
    bar.update(1024, 1024);
    bar.end();
    expect(drawn[0]).toMatch(/^\rpush .* 50% 512 B \/ 1\.0 KiB$/);
    expect(drawn[1]).toContain('100%');
    expect(drawn.at(-1)).toBe('\n');
  });
});
