#!/usr/bin/env python3
"""Compiles every ```swift block in README.md and the DocC catalog against NetKit.

Each block becomes the main.swift of its own executable target (top-level
code, as a reader would paste it) in a scratch package, .build/snippets/Snippets,
that depends on this checkout by path (through a symlink named NetKit, the way
the README tells users to depend on it), and the scratch package is built with
`swift build`. Compiler messages point at the Markdown file and line
(#sourceLocation). A ```swift block that is a whole Package.swift is checked by
loading its package graph next to the same symlink.

Markers, in HTML comments on the lines right above a block (GitHub and DocC
render nothing for them):

  <!-- snippet: setup
  let connection = try StreamConnection(connectingTo: .ipv4(.loopback, port: 7777))
  -->
      Hidden code compiled before the block (the names a fragment uses).
  <!-- snippet: skip (why) -->
      Not compiled; say why. For pseudo-code only.

A block that starts with `// swift-tools-version:` is a manifest.
A do-catch must end with a plain `catch` (see unfinished_catches).
Top-level code may `try`, and is async when it awaits; `import NetKit` is
implied (an `import` line in the block is moved to the top of the file).

Usage: Scripts/check-snippets.py [--list] [--doc-comments] [FILE.md ...]
  --doc-comments  also the ```swift blocks in Sources/NetKit's /// comments (not in CI yet)
"""

import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build", "snippets")
PACKAGE = os.path.join(WORK, "Snippets")
DEFAULT_FILES = ["README.md"] + sorted(glob.glob("Sources/NetKit/NetKit.docc/*.md", root_dir=ROOT))

FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
MARKER = re.compile(r"<!--\s*snippet:\s*(\w[\w-]*)(.*?)(-->|$)", re.S)


class Block:
    def __init__(self, path, line, code, kind, setup, setup_line):
        self.path, self.line, self.code = path, line, code
        self.kind, self.setup, self.setup_line = kind, setup, setup_line

    @property
    def name(self):
        base = os.path.splitext(os.path.basename(self.path))[0]
        return re.sub(r"\W", "_", f"{base}_{self.line}")


def markers_above(lines, fence_index):
    """The snippet markers in the HTML comments right above line `fence_index`."""
    end = fence_index
    while end > 0 and lines[end - 1].strip() == "":
        end -= 1
    if end == 0 or not lines[end - 1].rstrip().endswith("-->"):
        return []
    start = end - 1
    while start >= 0 and "<!--" not in lines[start]:
        start -= 1
    if start < 0:
        return []
    text = "\n".join(lines[start:end])
    found = []
    for match in MARKER.finditer(text):
        found.append((match.group(1), match.group(2), start + 1))
    return found


def extract(path):
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    if path.endswith(".swift"):
        # Doc comments: the text after `///` (one space dropped), other lines blank, so
        # fences and line numbers stay where they are.
        lines = [re.sub(r"^\s*/// ?", "", line) if re.match(r"^\s*///", line) else "" for line in lines]
    blocks, index = [], 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match or match.group(2) == "":
            index += 1
            continue
        language, indent, start = match.group(2), match.group(1), index
        index += 1
        body = []
        while index < len(lines) and not FENCE.match(lines[index]):
            body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index])
            index += 1
        index += 1  # the closing fence
        if language != "swift":
            continue
        kind, setup, setup_line = "statements", "", 0
        for name, argument, marker_line in markers_above(lines, start):
            if name == "setup":
                setup, setup_line = argument.strip("\n"), marker_line + 1
            elif name == "skip":
                kind = name
            else:
                sys.exit(f"{path}:{marker_line}: unknown snippet marker {name!r}")
        if body and body[0].startswith("// swift-tools-version:"):
            kind = "manifest"
        blocks.append(Block(path, start + 2, "\n".join(body), kind, setup, setup_line))
    return blocks


def unfinished_catches(code):
    """Lines of do-catch statements whose last `catch` has a `where` clause.

    The errors such a statement does not catch propagate, and the Swift 6.3.1 compiler
    crashes ("Found ownership error?!") on some of that code (in async top-level code,
    or when the `do` body consumes a ~Copyable value) instead of compiling it. A final
    plain `catch` avoids it, so the snippets always end with one.
    """
    found = []
    for match in re.finditer(r"\}\s*catch\b([^{]*)\{", code):
        # The end of this clause's body, then whether another catch follows.
        depth, index = 1, match.end()
        while index < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[index], 0)
            index += 1
        if re.match(r"\s*catch\b", code[index:]) is None and re.search(r"\bwhere\b", match.group(1)):
            found.append(code.count("\n", 0, match.start()))
    return found


def swift_source(block):
    """The block as the main.swift of its own executable: top-level code, as a reader would paste it."""
    absolute = os.path.join(ROOT, block.path)
    imports = {"import NetKit"}
    code_lines = []
    for line in block.code.split("\n"):
        if re.match(r"^\s*(@testable\s+)?import\s+\w+\s*$", line):
            imports.add(line.strip())
            code_lines.append("")  # keep the line numbers
        else:
            code_lines.append(line)
    out = [f"// {block.path}:{block.line}, generated by Scripts/check-snippets.py", *sorted(imports)]
    if block.setup:
        out += [f'#sourceLocation(file: "{absolute}", line: {block.setup_line})', block.setup]
    out += [f'#sourceLocation(file: "{absolute}", line: {block.line})', "\n".join(code_lines), "#sourceLocation()"]
    return "\n".join(out) + "\n"


def write_package(blocks):
    sources = os.path.join(PACKAGE, "Sources")
    if os.path.isdir(sources):
        shutil.rmtree(sources)
    os.makedirs(sources)
    link = os.path.join(WORK, "NetKit")
    if not os.path.islink(link):
        os.symlink(os.path.relpath(ROOT, WORK), link)
    targets = "".join(
        f'        .executableTarget(name: "{block.name}", dependencies: [.product(name: "NetKit", package: "NetKit")]),\n'
        for block in blocks)
    with open(os.path.join(PACKAGE, "Package.swift"), "w") as manifest:
        manifest.write(
            "// swift-tools-version: 6.2\n"
            "// Generated by Scripts/check-snippets.py: the README's and the DocC catalog's snippets.\n"
            "import PackageDescription\n\n"
            "let package = Package(\n"
            '    name: "Snippets",\n'
            "    platforms: [.macOS(.v15)],\n"
            '    dependencies: [.package(path: "../NetKit")],\n'
            "    targets: [\n" + targets +
            "    ],\n"
            "    swiftLanguageModes: [.v6]\n"
            ")\n")
    for block in blocks:
        os.makedirs(os.path.join(sources, block.name))
        with open(os.path.join(sources, block.name, "main.swift"), "w") as source:
            source.write(swift_source(block))


def check_manifest(block):
    """Loads a whole Package.swift from the docs next to a NetKit symlink, with stub sources."""
    directory = os.path.join(WORK, "manifests", block.name)
    if os.path.isdir(directory):
        shutil.rmtree(directory)
    os.makedirs(directory)
    with open(os.path.join(directory, "Package.swift"), "w") as manifest:
        manifest.write(block.code + "\n")
    # The manifest names its path dependency "../NetKit": give it one.
    os.symlink(os.path.relpath(ROOT, os.path.join(WORK, "manifests")), os.path.join(WORK, "manifests", "NetKit")) \
        if not os.path.islink(os.path.join(WORK, "manifests", "NetKit")) else None
    for target in re.findall(r'\.(?:executableTarget|target)\(\s*name:\s*"([^"]+)"', block.code):
        os.makedirs(os.path.join(directory, "Sources", target))
        with open(os.path.join(directory, "Sources", target, "main.swift"), "w") as source:
            source.write("import NetKit\n")
    # Asking for a product that does not exist makes `swift build` load the whole package graph
    # (where a missing or misnamed product fails) and stop before compiling anything.
    probe = "snippet-check-loads-only"
    result = subprocess.run(["swift", "build", "--package-path", directory, "--product", probe],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if f"no product named '{probe}'" not in result.stderr + result.stdout:
        print(f"{block.path}:{block.line}: error: this Package.swift does not load:\n{result.stderr}{result.stdout}")
        return False
    return True


def build(*arguments):
    return subprocess.run(["swift", "build", "--package-path", PACKAGE, *arguments], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main(arguments):
    listing = "--list" in arguments
    files = [argument for argument in arguments if not argument.startswith("--")] or DEFAULT_FILES
    if "--doc-comments" in arguments:
        files += sorted(glob.glob("Sources/NetKit/**/*.swift", root_dir=ROOT, recursive=True))
    blocks = [block for path in files for block in extract(path)]
    if listing:
        for block in blocks:
            print(f"{block.path}:{block.line}: {block.kind}{' (with setup)' if block.setup else ''}")
        return 0
    code_blocks = [block for block in blocks if block.kind == "statements"]
    manifests = [block for block in blocks if block.kind == "manifest"]
    skipped = [block for block in blocks if block.kind == "skip"]
    print(f"snippets: {len(code_blocks)} Swift blocks, {len(manifests)} manifests, {len(skipped)} skipped, "
          f"from {len(files)} files")
    ok = all([check_manifest(block) for block in manifests])
    for block in code_blocks:
        for offset in unfinished_catches(block.code):
            print(f"{block.path}:{block.line + offset}: error: end this do-catch with a plain `catch`: "
                  "its last catch has a `where`, and Swift 6.3.1 crashes on some such code")
            ok = False
    write_package(code_blocks)
    result = build()
    if result.returncode != 0:
        # `swift build` stops at the first failing target: build each on its own to report them all.
        print("snippets: some snippet does not compile; building each one to find them all")
        for block in code_blocks:
            single = build("--target", block.name)
            result.stdout += single.stdout
            if single.returncode != 0:
                print(f"snippets: {block.path}:{block.line} does not compile" +
                      ("" if re.search(r": error: ", single.stdout) else " (the compiler crashed?)"))
    # The compiler repeats a message once per batch job: print each one once.
    diagnostics = re.compile(r"^\S+:\d+:\d+: (error|warning): ")
    seen = []
    for line in result.stdout.split("\n"):
        if diagnostics.match(line) and line not in seen:
            seen.append(line)
    # Unused results are normal in examples (`let count = try ...` shows what a call returns).
    unused = [line for line in seen if line.endswith("[#no-usage]")]
    seen = [line for line in seen if line not in unused]
    for line in seen:
        print(line)
    if unused:
        print(f"snippets: {len(unused)} unused-value warnings not shown (normal in examples)")
    if result.returncode != 0:
        if not any(": error: " in line for line in seen):
            print(result.stdout)
        print("snippets: a README or DocC snippet does not compile (messages above point at the .md line)")
        ok = False
    else:
        print(f"snippets: all {len(code_blocks)} compile")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
