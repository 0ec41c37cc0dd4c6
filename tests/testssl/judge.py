#!/usr/bin/env python3
"""Judges a testssl.sh 3.0 JSON report (--jsonfile) of a TLS server.

Exits 1 if the report shows anything wrong with the *server*: an offered
protocol or cipher, or any other finding, rated worse than OK/INFO; a default
that is not what a secure server must look like; or a scan that did not get
through every vulnerability check. Remarks that testssl.sh makes about the
machine it runs on (its own OpenSSL, its engines, an interrupted or broken
scan) say nothing about the server: they are printed, apart, and do not fail
the judgement by themselves. A scan that broke off still fails, because the
checks it did not run are missing.

    tests/testssl/judge.py REPORT.json
"""
import json
import sys

# testssl.sh 3.0's ids for findings about the scanning side, not the target:
#   engine_problem     its OpenSSL has no GOST engine (initialize_engine)
#   old_fart, too_old_openssl   its OpenSSL is too old to judge well
#   scanProblem        a fatal or non-fatal error of the scan itself
#   scanTime           how long it took, or "Scan interrupted"
#   clientProblem<N>   the pretty-JSON wrapper around such client warnings
SCANNER_IDS = {"engine_problem", "old_fart", "too_old_openssl", "scanProblem", "scanTime"}
SCANNER_PREFIXES = ("clientProblem",)

# What a secure default must look like, checked explicitly too.
EXPECTED = {
    "SSLv2": "not offered", "SSLv3": "not offered", "TLS1": "not offered", "TLS1_1": "not offered",
    "TLS1_2": "offered", "TLS1_3": "offered with final", "cipherlist_NULL": "not offered",
    "cipherlist_aNULL": "not offered", "cipherlist_EXPORT": "not offered", "cipherlist_LOW": "not offered",
    "cipherlist_3DES_IDEA": "not offered", "cipherlist_AVERAGE": "not offered",
}
VULNERABILITY_IDS = ("heartbleed", "CCS", "ticketbleed", "ROBOT", "CRIME_TLS", "POODLE_SSL", "SWEET32", "FREAK",
                     "DROWN", "LOGJAM", "BEAST", "LUCKY13", "RC4", "secure_client_renego")


def about_scanner(finding):
    fid = finding.get("id", "")
    return fid in SCANNER_IDS or fid.startswith(SCANNER_PREFIXES)


def flatten(report):
    """--jsonfile gives a flat list; --jsonfile-pretty nests the findings."""
    if isinstance(report, list):
        return report
    findings = []
    for key, value in report.items():
        if key.startswith(SCANNER_PREFIXES) and isinstance(value, list):
            findings += value
    for result in report.get("scanResult", []):
        for value in result.values():
            if isinstance(value, list):
                findings += value
    return findings


def judge(findings):
    scanner = [f for f in findings if about_scanner(f)]
    server = [f for f in findings if not about_scanner(f)]
    by_id = {f["id"]: f for f in server}
    problems = [f for f in server if f.get("severity") not in ("OK", "INFO")]
    for key, value in EXPECTED.items():
        if key not in by_id or not by_id[key]["finding"].startswith(value):
            problems.append({"id": key, "severity": "EXPECTED",
                             "finding": f"wanted '{value}', got '{by_id.get(key, {}).get('finding')}'"})
    ran = [f for f in server if f["id"] in VULNERABILITY_IDS]
    if len(ran) < len(VULNERABILITY_IDS):
        problems.append({"id": "scan", "severity": "INCOMPLETE",
                         "finding": f"only {len(ran)} of {len(VULNERABILITY_IDS)} vulnerability checks ran"})
    return server, scanner, problems


def main():
    with open(sys.argv[1]) as f:
        server, scanner, problems = judge(flatten(json.load(f)))
    for f in server:
        print(f"{f['id']:28} {f.get('severity', ''):8} {f.get('finding', '')}")
    for f in scanner:
        print(f"SCANNER (not a finding about the server): {f['id']} {f.get('severity', '')} {f.get('finding', '')}")
    for f in problems:
        print(f"PROBLEM: {f['id']} {f['severity']} {f['finding']}")
    print("verdict:", "FAIL" if problems else "PASS", f"({len(problems)} server problems, {len(scanner)} scanner remarks)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
