#!/usr/bin/env python3
"""Puts every Swift Testing test that uses MockingDriver inside `#if DEBUG`.

MockingDriver, the syscall mocking seam (Sources/NetKit/Internal/Mocking.swift),
exists in debug builds only, so such a test does not compile in release
(`swift test -c release -Xswiftc -enable-testing`, which CI runs). This wraps each
`@Test` function that mentions it, and is not already inside `#if DEBUG`, from its
doc comment to its closing brace. It changes nothing else; run it after a merge
brings new tests, then look at the diff.

Usage: Scripts/guard-debug-only-tests.py [FILE.swift ...]   (default: every file under Tests/)
"""

import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD = "#if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only"


def guard(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    inside_debug, stack = [], []
    for line in lines:
        text = line.strip()
        if text.startswith("#if"):
            stack.append(text.startswith("#if DEBUG"))
        elif text.startswith("#endif") and stack:
            stack.pop()
        inside_debug.append(any(stack))
    ranges, index = [], 0
    while index < len(lines):
        if not lines[index].strip().startswith("@Test") or inside_debug[index]:
            index += 1
            continue
        depth, opened, end = 0, False, index
        while end < len(lines):
            for character in lines[end]:
                if character == "{":
                    depth, opened = depth + 1, True
                elif character == "}":
                    depth -= 1
            if opened and depth == 0:
                break
            end += 1
        if "MockingDriver" in "\n".join(lines[index:end + 1]):
            ranges.append((index, end))
        index = end + 1
    for start, end in reversed(ranges):
        indent = re.match(r"\s*", lines[start]).group(0)
        while start > 0 and lines[start - 1].strip().startswith("//"):
            start -= 1
        lines.insert(end + 1, indent + "#endif")
        lines.insert(start, indent + GUARD)
    if ranges:
        open(path, "w", encoding="utf-8").write("\n".join(lines))
        print(f"{os.path.relpath(path, ROOT)}: {len(ranges)} test(s) now inside #if DEBUG")
    return len(ranges)


def main(arguments):
    files = arguments or sorted(glob.glob(os.path.join(ROOT, "Tests", "**", "*.swift"), recursive=True))
    total = sum(guard(path) for path in files)
    print(f"guard-debug-only-tests: {total} test(s) wrapped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
