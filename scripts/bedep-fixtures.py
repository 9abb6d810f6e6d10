#!/usr/bin/env python3
"""Rebuilds test-data/bedep/<log>.xml from Arbor's run logs (<log>.output).

A log records what Bedep read from the ECB's 90-day file: every date it
looked at (as a day number, newest first) and the currencies and rates of the
date it chose. This writes an ECB-format file holding exactly that: the dates
looked at, in order, with the chosen date's currencies; the other dates carry
no currencies because the log does not record them and the DGA never reads
them. Run from the repository root."""
import datetime
import glob
import re

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
"""

def date_of(day_number):
    return datetime.date.fromordinal(day_number - 365)

for log in sorted(glob.glob("test-data/bedep/*.output")):
    text = open(log).read().split("\nconfig1\n")[0]
    tried = [int(n) for n in re.findall(r"trying: 0x[0-9a-f]+ \((\d+)\)", text)]
    chosen = re.search(r"parsed \d+ currencies from (\S+) \(currency date\):\n((?:\t\t[A-Z]{3}: \S+\n)+)", text)
    chosen_date = chosen.group(1)
    rates = re.findall(r"\t\t([A-Z]{3}): (\S+)\n", chosen.group(2))
    assert str(date_of(tried[-1])) == chosen_date, log
    out = [HEADER]
    for n in tried:
        day = str(date_of(n))
        if day == chosen_date:
            out.append(f"\t\t<Cube time=\"{day}\">\n")
            for code, rate in rates:
                out.append(f"\t\t\t<Cube currency=\"{code}\" rate=\"{rate}\"/>\n")
            out.append("\t\t</Cube>\n")
        else:
            out.append(f"\t\t<Cube time=\"{day}\"></Cube>\n")
    out.append("\t</Cube>\n</gesmes:Envelope>\n")
    open(log.replace(".output", ".xml"), "w").write("".join(out))
    print(log, "->", chosen_date, len(rates), "currencies,", len(tried), "dates")
