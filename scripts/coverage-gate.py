#!/usr/bin/env python3
"""The coverage gate: reads cargo-llvm-cov's JSON export and coverage.toml, prints lines
covered per crate, and exits 1 when a figure is below its threshold.

  scripts/coverage-gate.py report COVERAGE_JSON   the table, the weakest files, the verdict
  scripts/coverage-gate.py ignore-regex           the files left out, as one regex for
                                                  cargo llvm-cov --ignore-filename-regex
"""

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "coverage.toml"
WEAKEST = 12


def load_config():
    with CONFIG.open("rb") as f:
        config = tomllib.load(f)
    gate = config["gate"]
    not_product = list(config.get("not_product", {}).get("patterns", []))
    excluded = [(e["pattern"], " ".join(e["reason"].split())) for e in config.get("exclude", [])]
    return float(gate["product"]), float(gate["local"]), not_product, excluded


def ignore_regex(patterns):
    """One POSIX extended regex over absolute paths: each pattern's `^` becomes the root."""
    root = "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in ROOT.as_posix())
    alternatives = []
    for p in patterns:
        alternatives.append(f"^{root}/{p[1:]}" if p.startswith("^") else p)
    return "|".join(f"({a})" for a in alternatives)


def crate_of(path):
    """The crate a workspace-relative path belongs to, or None outside the product."""
    parts = path.split("/")
    if parts[0] == "shared":
        return "shared"
    if parts[0] == "functions" and len(parts) > 2:
        return "functions/" + parts[1]
    if parts[0] == "local":
        return "local"
    return None


def pct(covered, count):
    return 100.0 * covered / count if count else 100.0


def report(json_path):
    product_min, local_min, not_product, excluded = load_config()
    skip = [re.compile(p) for p in not_product] + [re.compile(p) for p, _ in excluded]
    data = json.loads(Path(json_path).read_text())

    crates = {}
    files = []
    for export in data["data"]:
        for f in export["files"]:
            name = Path(f["filename"])
            try:
                rel = name.resolve().relative_to(ROOT).as_posix()
            except ValueError:
                continue  # a dependency's or the standard library's source
            lines = f["summary"]["lines"]
            crate = crate_of(rel)
            if crate is None or any(s.search(rel) for s in skip):
                continue
            total = crates.setdefault(crate, [0, 0])
            total[0] += lines["count"]
            total[1] += lines["covered"]
            files.append((rel, lines["count"], lines["covered"]))

    if not crates:
        print("coverage gate: no product file in the report", file=sys.stderr)
        return 2

    order = sorted(crates, key=lambda c: (c == "local", c != "shared", c))
    width = max(len(c) for c in order + ["shared + functions (product)"])
    line = f"{'crate':<{width}}  {'lines':>7}  {'covered':>7}  {'%':>6}"
    print(line)
    print("-" * len(line))
    product = [0, 0]
    for c in order:
        count, covered = crates[c]
        print(f"{c:<{width}}  {count:>7}  {covered:>7}  {pct(covered, count):>6.2f}")
        if c != "local":
            product[0] += count
            product[1] += covered
    print("-" * len(line))
    local = crates.get("local", [0, 0])
    product_pct, local_pct = pct(product[1], product[0]), pct(local[1], local[0])
    rows = [
        ("shared + functions (product)", product, product_pct, product_min),
        ("local", local, local_pct, local_min),
    ]
    failed = False
    for label, (count, covered), value, minimum in rows:
        ok = value >= minimum
        failed |= not ok
        verdict = "ok" if ok else "FAIL"
        print(f"{label:<{width}}  {count:>7}  {covered:>7}  {value:>6.2f}"
              f"  (gate {minimum:g}%: {verdict})")
    print()
    print("Not in the figures: bench/ and tests/ (not product), the test-only files of the")
    print("crates (tests.rs, *_tests.rs, proptests.rs, testing.rs, a crate's tests/ and")
    print("benches/); and, with their reasons in coverage.toml:")
    for pattern, reason in excluded:
        print(f"  {pattern}: {reason}")
    print("Thresholds: coverage.toml. Lines per file: target/llvm-cov/html/index.html.")

    weakest = sorted((f for f in files if f[2] < f[1]), key=lambda f: (f[2] / f[1], -f[1]))
    if weakest:
        print()
        print(f"Least covered files (up to {WEAKEST}): lines not run / lines, %")
        for rel, count, covered in weakest[:WEAKEST]:
            print(f"  {rel}: {count - covered} / {count}, {pct(covered, count):.1f}%")
    print()
    if failed:
        print(f"coverage gate FAILED: product {product_pct:.2f}% (needs {product_min:g}%), "
              f"local {local_pct:.2f}% (needs {local_min:g}%)")
        return 1
    print(f"coverage gate passed: product {product_pct:.2f}% >= {product_min:g}%, "
          f"local {local_pct:.2f}% >= {local_min:g}%")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "ignore-regex":
        _, _, not_product, excluded = load_config()
        print(ignore_regex(not_product + [p for p, _ in excluded]))
        return 0
    if len(argv) == 3 and argv[1] == "report":
        return report(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
