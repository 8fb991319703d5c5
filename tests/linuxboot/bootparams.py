#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Split a bzImage for the 32-bit boot protocol (Documentation/x86/boot.rst).

  bootparams.py BZIMAGE OUTDIR MEM_BYTES INITRD_ADDR INITRD_SIZE CMDLINE

Writes OUTDIR/kernel.bin (the protected-mode kernel, for 1 MiB) and
OUTDIR/params.bin (boot_params at 0x7000, the command line at 0x9000).
"""
import struct
import sys

PARAMS, CMDLINE = 0x7000, 0x9000


def main():
    bz_path, out, mem, initrd_addr, initrd_size, cmdline = sys.argv[1:7]
    bz = open(bz_path, 'rb').read()
    setup_sects = bz[0x1f1] or 4
    if bz[0x202:0x206] != b'HdrS':
        sys.exit('not a bzImage: no HdrS')
    open(out + '/kernel.bin', 'wb').write(bz[(setup_sects + 1) * 512:])

    blob = bytearray(CMDLINE - PARAMS + 4096)
    hdr_end = 0x202 + bz[0x201]
    blob[0x1f1:hdr_end] = bz[0x1f1:hdr_end]
    blob[0x210] = 0xff                              # type_of_loader
    blob[0x211] |= 0x81                             # LOADED_HIGH, CAN_USE_HEAP
    struct.pack_into('<H', blob, 0x224, 0xfe00)     # heap_end_ptr
    struct.pack_into('<I', blob, 0x218, int(initrd_addr, 0))
    struct.pack_into('<I', blob, 0x21c, int(initrd_size, 0))
    struct.pack_into('<I', blob, 0x228, CMDLINE)
    e820 = [(0, 0x9f000, 1), (0x100000, int(mem, 0) - 0x100000, 1)]
    blob[0x1e8] = len(e820)
    for i, (addr, size, kind) in enumerate(e820):
        struct.pack_into('<QQI', blob, 0x2d0 + 20 * i, addr, size, kind)
    line = cmdline.encode() + b'\0'
    blob[CMDLINE - PARAMS:CMDLINE - PARAMS + len(line)] = line
    open(out + '/params.bin', 'wb').write(blob)


main()
