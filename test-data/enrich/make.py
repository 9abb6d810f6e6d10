#!/usr/bin/env python3
"""Writes the small MaxMind-format databases the enrichment tests read.

Made with mmdb-writer (PyPI, `pip install mmdb-writer`), not taken from
MaxMind: the networks are loopback and documentation ranges (RFC 5737,
RFC 3849) and the AS numbers are private-use (RFC 6996). The layouts are
those of GeoLite2-ASN, GeoLite2-Country and ip-location-db's flat country
file. Run it from anywhere: python3 test-data/enrich/make.py
"""
import os

from mmdb_writer import MMDBWriter
from netaddr import IPSet

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, database_type, networks):
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type,
                        description={"en": "cautery test data"}, int_type="u32")
    for network, record in networks:
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(os.path.join(HERE, name))


write("asn.mmdb", "GeoLite2-ASN", [
    ("127.0.0.0/25", {"autonomous_system_number": 64500,
                      "autonomous_system_organization": "EXAMPLE-NET-A"}),
    ("127.0.0.128/25", {"autonomous_system_number": 64501,
                        "autonomous_system_organization": "EXAMPLE-NET-B"}),
    ("2001:db8::/32", {"autonomous_system_number": 64502,
                       "autonomous_system_organization": "EXAMPLE-NET-V6"}),
])
write("country.mmdb", "GeoLite2-Country", [
    ("127.0.0.0/25", {"country": {"iso_code": "NL", "names": {"en": "Netherlands"}},
                      "continent": {"code": "EU"}}),
    ("127.0.0.128/25", {"country": {"iso_code": "DE", "names": {"en": "Germany"}},
                        "continent": {"code": "EU"}}),
    ("2001:db8::/32", {"registered_country": {"iso_code": "FR"}}),
])
write("country-flat.mmdb", "ip-location-db country", [
    ("127.0.0.0/8", {"country_code": "JP"}),
])
