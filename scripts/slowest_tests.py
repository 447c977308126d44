#!/usr/bin/env python3
"""Prints the N slowest tests of ctest's JUnit reports (ctest --output-junit).

   scripts/slowest_tests.py N REPORT...    (scripts/test.sh, at its end)
"""
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path


def main() -> int:
    count = int(sys.argv[1])
    timings = []
    for report in sys.argv[2:]:
        path = Path(report)
        if not path.is_file():
            continue
        build = path.parent.name
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            timings.append((float(case.get("time", "0")), build, case.get("name", "?"), case.get("status", "")))
    timings.sort(reverse=True)
    for seconds, build, name, status in timings[:count]:
        print(f"{seconds:8.1f}  {build:8} {name}{'' if status in ('run', '') else '  (' + status + ')'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
