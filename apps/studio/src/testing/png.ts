// Reads a PNG screenshot enough to check it shows something: size from IHDR, and how varied its pixel bytes are.
import { inflateSync } from 'node:zlib';

export function pngStats(png: Buffer): { width: number; height: number; distinctBytes: number } {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  return { width, height, distinctBytes: new Set(pixels).size };
}
