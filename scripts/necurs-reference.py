#!/usr/bin/env python3
"""A plain Python Necurs DGA, the yardstick of `scripts/bench.sh`.

Written here from the algorithm as Johannes Bader describes it in "The DGAs
of Necurs" (2015, https://johannesbader.ch/2015/02/the-dgas-of-necurs/): a
64-bit mixing function chained over the year, the month + 43690, day >> 2,
the sequence number and the magic number; then the length (7 to 21), the
letters and one of 43 TLDs. It is the straightforward one-name-at-a-time
code an analyst would write, for timing side by side with cautery.

Usage: necurs-reference.py YYYY-MM-DD [MAGIC]   prints the window's 2048 names
"""
import sys

MASK = (1 << 64) - 1
TLDS = ("tj in jp tw ac cm la mn so sh sc nu nf mu ms mx ki im cx cc tv bz me eu de "
        "ru co su pw kz sx us ug ir to ga com net org biz xxx pro bit").split()


def mix(value):
    for i in range((value & 0x7F) + 21):
        value = (value + (((value * 7) ^ (value << 15)) + 8 * i - (value >> 5))) & MASK
    return value


def window(year, month, day, magic):
    base = mix(year)
    base = mix((base + month + 43690) & MASK)
    base = mix((base + (day >> 2)) & MASK)
    names = []
    for number in range(2048):
        n = mix((base + number) & MASK)
        n = mix((n + magic) & MASK)
        letters = []
        for i in range(n % 15 + 7):
            n = mix((n + i) & MASK)
            letters.append(chr(ord("a") + n % 25))
            n = mix((n + 0xABBEDF) & MASK)
        names.append("".join(letters) + "." + TLDS[n % 43])
    return names


def main():
    year, month, day = map(int, sys.argv[1].split("-"))
    magic = int(sys.argv[2], 0) if len(sys.argv) > 2 else 9
    print("\n".join(window(year, month, day, magic)))


if __name__ == "__main__":
    main()
