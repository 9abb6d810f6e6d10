#!/usr/bin/env python3
"""Runs IntelMQ's Shadowserver parser bot on cautery's report files.

    python3 tests/intelmq/parse_reports.py FILE...

Each FILE (a `cautery report` output such as
`2026-11-26-event4_sinkhole_http-as64500.csv`) goes through IntelMQ's
`intelmq.bots.parsers.shadowserver.parser` exactly as a CERT's pipeline
would hand it over from a mail or the Shadowserver collector: a report
with the file's bytes as `raw` and its name as `extra.file_name`, from
which the bot picks the feed and its column mapping (no feed name is
given). The bot runs in IntelMQ's library mode, in this process, with no
Redis, no configuration files and no network.

The check fails (exit 1, one message per problem) when the bot cannot
take the file (the file name is not one IntelMQ recognises, a required
column is missing), when it logs a warning or an error, when a line goes
to its error queue, when it yields more or fewer events than the file has
rows, or when a field is not mapped to the IntelMQ field a CERT's rules
use, with the value the row holds: `source.ip`, `source.port`,
`time.source`, `protocol.transport`, `malware.name` (the family),
`extra.tag` and `classification.identifier`, `destination.ip` and
`destination.port` (connections), `destination.fqdn` and
`destination.url` (HTTP), `extra.dns_query`, `extra.dns_query_type` and
`extra.count` (DNS), `extra.public_source`. It prints one line per file
with the number of events parsed.

The mapping is the one inside the installed IntelMQ package: up to
IntelMQ 3.2 the parser ships Shadowserver's column mappings; from 3.3 on
it reads a schema that it downloads from Shadowserver at run time, which a
test must not do, so this check needs intelmq 3.2.x (`.ci/run` pins
`intelmq==3.2.1`).
"""

import contextlib
import csv
import io
import logging
import os
import re
import sys

PIN = "intelmq==3.2.1"

# The report a file holds, as cautery names its files.
REPORT = re.compile(r"event[46]_sinkhole(_http|_dns)?(?=-)")


class Problems(list):
    def add(self, file_name, message):
        self.append(f"{file_name}: {message}")


class Captured(logging.Handler):
    """Keeps the bot's warnings and errors."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def load_bot():
    try:
        import intelmq
        from intelmq.lib.bot import BotLibSettings
        from intelmq.bots.parsers.shadowserver import _config
        from intelmq.bots.parsers.shadowserver.parser import ShadowserverParserBot
    except ImportError as error:
        sys.exit(f"cannot import IntelMQ ({error}): pip install {PIN}")
    if hasattr(_config, "update_schema"):
        sys.exit(
            f"IntelMQ {intelmq.__version__} reads the Shadowserver schema it downloads "
            f"at run time, which this offline check does not allow: pip install {PIN}, "
            "the last release that ships the mapping"
        )
    settings = BotLibSettings | {"logging_path": None, "logging_level": "WARNING"}
    captured = Captured()
    with contextlib.redirect_stdout(io.StringIO()):
        bot = ShadowserverParserBot("cautery-shadowserver-parser", settings=settings)
    # No statistics to Redis (IntelMQ's own test helper does the same).
    bot._Bot__stats_cache = None
    bot.logger.addHandler(captured)
    return intelmq.__version__, bot, captured, _config


def utc(timestamp):
    """`YYYY-MM-DD HH:MM:SS` as IntelMQ writes `time.source`."""
    return timestamp.replace(" ", "T") + "+00:00"


def expected_fields(report_name, row):
    """The IntelMQ fields a CERT's rules use, and their values from `row`."""
    want = {
        "source.ip": row["src_ip"],
        "source.port": int(row["src_port"]),
        "time.source": utc(row["timestamp"]),
        "protocol.transport": row["protocol"],
        "malware.name": row["family"] or None,
        "extra.tag": row["tag"] or None,
        "extra.public_source": row.get("public_source") or None,
    }
    if report_name.endswith("_sinkhole_dns"):
        want.update(
            {
                "classification.identifier": "sinkholedns",
                "protocol.application": "dns",
                "extra.dns_query": row["query"],
                "extra.dns_query_type": row["query_type"],
                "extra.count": int(row["count"]),
            }
        )
        return want
    want.update(
        {
            "destination.ip": row["dst_ip"],
            "destination.port": int(row["dst_port"]),
        }
    )
    if report_name.endswith("_sinkhole_http"):
        want.update(
            {
                "classification.identifier": row["tag"] or None,
                "protocol.application": "http",
                "destination.fqdn": row["http_host"].lower() or None,
                "extra.http_agent": row["http_agent"] or None,
            }
        )
    else:
        want["classification.identifier"] = row["infection"] or None
    return want


def check_file(path, bot, captured, config, problems):
    import intelmq.lib.utils as utils

    name = os.path.basename(path)
    # Which report, for the expectations; which feed is IntelMQ's to say.
    match = REPORT.search(name)
    if not match:
        problems.add(name, "not a cautery report file name (no event4_sinkhole... in it)")
        return 0
    report_name = match.group(0)
    feed = config.get_feed_by_filename(report_name)
    if not feed:
        problems.add(name, f"{report_name!r} is not a report IntelMQ knows")
        return 0
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))

    captured.records.clear()
    report = {
        "__type": "Report",
        "raw": utils.base64_encode(text),
        "extra.file_name": name,
        "time.observation": "2026-01-01T00:00:00+00:00",
    }
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            state = bot.process_message(report)
    except Exception as error:  # the bot gave up on the whole report
        problems.add(name, f"the parser failed: {error!r}")
        return 0
    for record in captured.records:
        problems.add(name, f"the parser logged {record.levelname}: {record.getMessage()}")
    failed = state.get("error", [])
    for message in failed:
        raw = utils.base64_decode(message.get("raw", "")).splitlines()
        problems.add(name, f"the parser dropped a line: {raw[-1] if raw else message!r}")
    events = state.get("output", [])
    if len(events) != len(rows):
        problems.add(name, f"{len(rows)} rows but {len(events)} events")
    for number, (row, event) in enumerate(zip(rows, events), start=2):
        if event.get("feed.name") != feed[0]:
            problems.add(name, f"line {number}: feed.name {event.get('feed.name')!r}, not {feed[0]!r}")
        for field, value in expected_fields(report_name, row).items():
            got = event.get(field)
            if got != value:
                problems.add(name, f"line {number}: {field} is {got!r}, the row says {value!r}")
        if report_name.endswith("_sinkhole_http") and row["http_url"]:
            # `http_url` is `METHOD /path`; IntelMQ joins host and path.
            url = event.get("destination.url") or ""
            path_part = row["http_url"].split(" ")[-1]
            if not (url.startswith("http://") and url.endswith(path_part)):
                problems.add(name, f"line {number}: destination.url {url!r} from {row['http_url']!r}")
    return len(events)


def main(paths):
    if not paths:
        sys.exit("usage: parse_reports.py FILE...")
    version, bot, captured, config = load_bot()
    problems = Problems()
    for path in paths:
        count = check_file(path, bot, captured, config, problems)
        print(f"{os.path.basename(path)}: {count} events (IntelMQ {version})")
    if problems:
        print(f"IntelMQ {version} did not take cautery's reports as they are:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
