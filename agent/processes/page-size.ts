// The memory page size, for turning /proc's page counts into bytes: AT_PAGESZ (6) in the
// process's auxiliary vector, /proc/self/auxv, pairs of native words. 4 KiB on x86-64, but 16
// or 64 KiB on some ARM and POWER kernels, so it is read, not assumed.
import os from 'node:os';

const AT_NULL = 0n;
const AT_PAGESZ = 6n;

export function pageSizeFromAuxv(auxv: Buffer, littleEndian = os.endianness() === 'LE'): number | undefined {
  for (let i = 0; i + 16 <= auxv.length; i += 16) {
    const key = littleEndian ? auxv.readBigUInt64LE(i) : auxv.readBigUInt64BE(i);
    if (key === AT_NULL) break;
    if (key === AT_PAGESZ) return Number(littleEndian ? auxv.readBigUInt64LE(i + 8) : auxv.readBigUInt64BE(i + 8));
  }
  return undefined;
}
