#!/usr/bin/env python3
"""The largest functions of the first page's WASM module, by name, to see what a change put there.

    scripts/wasm-main.py [FILTER]      (after `cargo leptos build --release --split`)
    scripts/wasm-main.py --by-crate    the same bytes summed per crate
    scripts/wasm-main.py --data [PATH] the data segment's text by kind (source paths, app texts, ...),
                                       of PATH (default: the served, optimised module)

Reads the split main module cargo-leptos leaves in target/front (with its name section, before
wasm-bindgen and wasm-opt), and prints the functions' body sizes, largest first (those whose
demangled-ish name contains FILTER, when given). Sizes are before optimisation: compare runs, not
the served total.
"""
import re
import sys

PATH = "target/front/wasm32-unknown-unknown/wasm-release/frontend_split.wasm"
SERVED = "target/site/pkg/one-aftersales.wasm"


def leb(b, i):
    result = shift = 0
    while True:
        byte = b[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def sections(data):
    """The module's sections: (id, start of contents, end)."""
    i = 8
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        yield sid, i, i + size
        i += size


def main():
    if sys.argv[1:2] == ["--data"]:
        data_segment(sys.argv[2] if len(sys.argv) > 2 else SERVED)
        return
    data = open(PATH, "rb").read()
    imported = 0
    bodies = []
    names = {}
    for sid, i, end in sections(data):
        if sid == 2:  # imports: functions among them take the first indices
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    ln, j = leb(data, j)
                    j += ln
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
        elif sid == 10:  # code
            n, j = leb(data, i)
            for _ in range(n):
                ln, j = leb(data, j)
                bodies.append(ln)
                j += ln
        elif sid == 0:
            ln, j = leb(data, i)
            if data[j:j + ln] == b"name":
                j += ln
                while j < end:
                    sub = data[j]
                    sl, j = leb(data, j + 1)
                    sub_end = j + sl
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            nl, k = leb(data, k)
                            names[idx] = data[k:k + nl].decode("utf-8", "replace")
                            k += nl
                    j = sub_end
    rows = [(size, names.get(imported + n, f"#{imported + n}")) for n, size in enumerate(bodies)]
    if sys.argv[1:] == ["--by-crate"]:
        by_crate(rows)
        return
    want = sys.argv[1] if len(sys.argv) > 1 else ""
    rows = [r for r in rows if want in r[1]]
    rows.sort(reverse=True)
    print(f"{sum(s for s, _ in rows)} bytes in {len(rows)} functions")
    for size, name in rows[:60]:
        print(f"{size:8} {name[:160]}")


def crate_of(name):
    """The crate a symbol belongs to: its first path's crate (for a trait impl, the implementing
    type's; for a blanket impl, the trait's), from legacy (_ZN) or v0 (_R) mangling."""
    if name.startswith("_R"):
        m = re.search(r"Cs[0-9A-Za-z]*_(\d+)([0-9A-Za-z_]+)", name)
        return m.group(2)[: int(m.group(1))] if m else "?"
    m = re.match(r"_ZN(\d+)", name)
    if not m:
        return name.split("::")[0] if "::" in name else "(unnamed)"
    first = name[m.end() : m.end() + int(m.group(1))]
    for code, text in (("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$u20$", " "), ("$C$", ",")):
        first = first.replace(code, text)
    first = re.sub(r"^_?<|^&|mut |dyn ", "", first.replace("..", "::"))
    first = re.sub(r"^(&|mut |dyn |\[|\()+", "", first)
    if re.match(r"[A-Z]\w* as ", first):
        first = first.split(" as ", 1)[1]
    return re.split(r"::|[ <>,$]", first)[0] or "?"


def by_crate(rows):
    sizes, counts = {}, {}
    for size, name in rows:
        c = crate_of(name)
        sizes[c] = sizes.get(c, 0) + size
        counts[c] = counts.get(c, 0) + 1
    print(f"{sum(sizes.values())} bytes in {len(rows)} functions")
    for c in sorted(sizes, key=sizes.get, reverse=True)[:40]:
        print(f"{sizes[c]:8} {counts[c]:6} {c}")


def data_segment(path):
    """Sums the data segment's text runs (8+ printable bytes) by what they look like, with the
    largest runs of each kind, and the brotli size of the whole segment when brotli is installed."""
    data = open(path, "rb").read()
    blob = bytearray()
    for sid, i, _ in sections(data):
        if sid == 11:
            n, j = leb(data, i)
            for _ in range(n):
                flags, j = leb(data, j)
                if flags == 2:
                    _, j = leb(data, j)
                if flags in (0, 2):
                    while data[j] != 0x0B:  # the offset expression, up to its `end`
                        j += 1
                    j += 1
                ln, j = leb(data, j)
                blob += data[j:j + ln]
                j += ln
    kinds = {}
    for m in re.finditer(rb"[\x20-\x7e\n]{8,}", bytes(blob)):
        text = m.group().decode()
        if re.search(r"\.rs\b|/rustc/|/cargo/registry", text):
            kind = "source paths"
        elif re.search(r"[A-Z][a-z]+[^.]*[ ,.][a-z]+ [a-z]+", text) and " " in text:
            kind = "sentences"
        elif " " not in text:
            kind = "identifiers, keys"
        else:
            kind = "other text"
        kinds.setdefault(kind, []).append(text)
    texts = sum(len(t) for v in kinds.values() for t in v)
    print(f"data segment: {len(blob)} bytes, {texts} of them in text runs")
    try:
        import brotli
        print(f"brotli (q11): {len(brotli.compress(bytes(blob), quality=11))} bytes")
    except ImportError:
        pass
    for kind, runs in sorted(kinds.items(), key=lambda kv: -sum(map(len, kv[1]))):
        print(f"\n{sum(map(len, runs)):8} {kind} ({len(runs)} runs)")
        for text in sorted(runs, key=len, reverse=True)[:12]:
            print(f"{len(text):8}   {text[:150]!r}")


if __name__ == "__main__":
    main()
