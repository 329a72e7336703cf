// Transfer progress on stderr: a redrawn bar when stderr is a terminal, nothing otherwise (logs and CI output stay clean).
import type { CliIo } from './io.js';

const fmt = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

export function progressReporter(io: CliIo, label: string, write: (s: string) => void = (s) => process.stderr.write(s)): { update: (done: number, total: number | undefined) => void; end: () => void } {
  let drawn = false;
  return {
    update(done, total) {
      if (io.isTTY) {
        const pct = total ? Math.min(1, done / total) : 0;
        const width = 30;
        const bar = total ? '█'.repeat(Math.round(pct * width)).padEnd(width, '░') : '…'.padEnd(width, ' ');
        write(`\r${label} ${bar} ${total ? `${Math.floor(pct * 100)}%`.padStart(4) : ''} ${fmt(done)}${total ? ` / ${fmt(total)}` : ''}`);
        drawn = true;
      }
    },
    end() { if (drawn) write('\n'); },
  };
}
