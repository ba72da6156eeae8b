#!/usr/bin/env python3
"""Mutation run of the vmcore path on the real dumps in ../shared/vmcore.

    scripts/mutate-vmcore.py [-n 500] [-j 2] [--bin .build/release/page-owner-sort] [--seed 1]

Each mutant is one of the real dumps (ELF vmcore, flattened kdump) or the vmlinux with a few
bytes changed (flips, or an 8-byte field set to 0, all ones, 2^63, 2^63-1, an ERR_PTR), mostly
in the headers and tables a reader trusts, or cut short. Each is read with
`page-owner-sort report DUMP --vmlinux VMLINUX -o /dev/null` under a 30 s limit. The only
acceptable ends are exit 0 and exit 2: a signal, another status or the time limit is a
failure, kept under WORK/failures/ with its command. Prints a markdown table.

Mutations are made in place on private copies (WORK, default .mutate, gitignored) and undone
after each run, so a 1 GB dump is copied once per worker, not per mutant.
"""
import argparse
import collections
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "vmcore")
VALUES = [0, 0xFFFFFFFFFFFFFFFF, 1 << 63, (1 << 63) - 1, 0xFFFFFFFFFFFFFFF4, 1 << 40, 0x7FFFFFFF]


def unpack(src, dst):
    if not os.path.exists(dst):
        subprocess.run(f"zstd -dcq '{src}' > '{dst}.part' && mv '{dst}.part' '{dst}'", shell=True, check=True)


def regions(path, kind):
    """(start, end) byte ranges worth mutating, with weights."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    out = []
    if kind in ("elf", "vmlinux"):
        phoff, shoff = struct.unpack_from("<QQ", head, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", head, 54)
        out.append((0, 64, 3))
        if phnum:
            out.append((phoff, phoff + phnum * phentsize, 3))
        if kind == "elf":
            # the PT_NOTE (VMCOREINFO) lies in the first MiB
            out.append((64, min(size, 1 << 16), 2))
        if shnum and shoff < size:
            out.append((shoff, min(size, shoff + shnum * shentsize), 3))
            with open(path, "rb") as f:
                f.seek(shoff)
                table = f.read(shnum * shentsize)
            for i in range(shnum):
                _, typ, _, _, off, sz = struct.unpack_from("<IIQQQQ", table, i * shentsize)
                if typ not in (0, 8) and sz > 0 and off + sz <= size and sz > 4096:
                    out.append((off, off + min(sz, 1 << 16), 1))  # the start of each big section (.debug_*, .symtab)
    else:  # flattened kdump: its 4 KiB header, then records (16-byte headers + kdump bytes)
        out.append((0, 8192, 2))
        out.append((4096, min(size, 1 << 17), 3))  # kdump header, sub-header, VMCOREINFO, bitmaps
        out.append((1 << 17, size, 2))  # bitmaps, descriptors, pages
    out.append((0, size, 1))
    return out


def mutate(rng, path, kind):
    """Applies one mutation in place; returns (description, undo)."""
    size = os.path.getsize(path)
    if rng.random() < 0.08:
        cut = rng.randrange(1, size)
        saved = path + ".tail"
        with open(path, "rb") as f, open(saved, "wb") as t:
            f.seek(cut)
            shutil.copyfileobj(f, t, 1 << 22)
        os.truncate(path, cut)

        def undo():
            with open(path, "ab") as f, open(saved, "rb") as t:
                shutil.copyfileobj(t, f, 1 << 22)
            os.remove(saved)

        return f"cut at {cut} of {size}", undo
    rs = regions(path, kind)
    start, end, _ = rng.choices(rs, weights=[w for _, _, w in rs])[0]
    edits = []
    if rng.random() < 0.5:
        at = rng.randrange(start, max(start + 1, end - 8)) & ~7 if rng.random() < 0.7 else rng.randrange(start, max(start + 1, end - 8))
        v = rng.choice(VALUES)
        n = rng.choice([8, 8, 4, 2])
        edits.append((at, (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little"), f"u{8*n}@{at}=0x{v & ((1 << (8 * n)) - 1):x}"))
    else:
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(start, max(start + 1, end))
            edits.append((at, None, f"flip@{at}"))
    undo_list = []
    with open(path, "r+b") as f:
        for at, data, _ in edits:
            f.seek(at)
            old = f.read(len(data) if data else 1)
            if data is None:
                data = bytes([old[0] ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else rng.randrange(256)]) if old else b""
            f.seek(at)
            f.write(data[: len(old)])
            undo_list.append((at, old))

    def undo():
        with open(path, "r+b") as f:
            for at, old in reversed(undo_list):
                f.seek(at)
                f.write(old)

    return ", ".join(d for _, _, d in edits), undo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/page-owner-sort"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(ROOT, ".mutate"))
    ap.add_argument("--timeout", type=int, default=30)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(SHARED, "vmlinux.zst")):
        sys.exit("mutate-vmcore: ../shared/vmcore is absent")
    os.makedirs(os.path.join(a.work, "failures"), exist_ok=True)
    base = os.path.join(a.work, "base")
    os.makedirs(base, exist_ok=True)
    unpack(os.path.join(SHARED, "vmcore.elf.zst"), os.path.join(base, "vmcore.elf"))
    unpack(os.path.join(SHARED, "vmcore.kdump-zlib.zst"), os.path.join(base, "vmcore.flat"))
    unpack(os.path.join(SHARED, "vmlinux.zst"), os.path.join(base, "vmlinux"))
    # kinds: what is mutated, with which dump
    kinds = [("elf", "vmcore.elf"), ("flat", "vmcore.flat"), ("vmlinux", "vmcore.flat")]
    results = collections.defaultdict(collections.Counter)
    lock = threading.Lock()
    work = list(range(a.n))
    rng0 = random.Random(a.seed)
    plan = [(i, rng0.choices(kinds, weights=[4, 4, 2])[0], rng0.randrange(1 << 30)) for i in work]
    times = []

    def worker(w):
        d = os.path.join(a.work, f"w{w}")
        os.makedirs(d, exist_ok=True)
        for name in ("vmcore.elf", "vmcore.flat", "vmlinux"):
            if not os.path.exists(os.path.join(d, name)) or os.path.getsize(os.path.join(d, name)) != os.path.getsize(os.path.join(base, name)):
                shutil.copyfile(os.path.join(base, name), os.path.join(d, name))
        while True:
            with lock:
                if not plan:
                    return
                i, (kind, dump), seed = plan.pop(0)
            rng = random.Random(seed)
            target = os.path.join(d, "vmlinux" if kind == "vmlinux" else dump)
            desc, undo = mutate(rng, target, kind)
            cmd = [a.bin, "report", os.path.join(d, dump), "--vmlinux", os.path.join(d, "vmlinux"), "-o", "/dev/null"]
            t0 = time.time()
            try:
                p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=a.timeout)
                rc = p.returncode
                err = p.stderr.decode(errors="replace")
                outcome = "exit 0" if rc == 0 else "exit 2" if rc == 2 else (f"signal {-rc}" if rc < 0 else f"exit {rc}")
            except subprocess.TimeoutExpired:
                outcome, err = f"hang > {a.timeout} s", ""
            dt = time.time() - t0
            ok = outcome in ("exit 0", "exit 2")
            if not ok:
                keep = os.path.join(a.work, "failures", f"{i}-{kind}")
                os.makedirs(keep, exist_ok=True)
                with open(os.path.join(keep, "what.txt"), "w") as f:
                    f.write(f"{kind} {desc}\n{outcome}\n{' '.join(cmd)}\n{err[-4000:]}\n")
            undo()
            with lock:
                results[kind][outcome] += 1
                times.append(dt)
                if not ok:
                    print(f"FAIL #{i} {kind} {desc}: {outcome}: {err.strip()[-300:]}", file=sys.stderr)
                done = sum(sum(c.values()) for c in results.values())
                if done % 50 == 0:
                    print(f"{done}/{a.n}", file=sys.stderr)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.j)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted({o for c in results.values() for o in c})
    print("| mutated | mutants | " + " | ".join(outcomes) + " |")
    print("|---|---:|" + "---:|" * len(outcomes))
    for kind, _ in kinds:
        c = results[kind]
        print(f"| {kind} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in outcomes) + " |")
    total = collections.Counter()
    for c in results.values():
        total.update(c)
    print(f"| all | {sum(total.values())} | " + " | ".join(str(total[o]) for o in outcomes) + " |")
    print(f"\nmax run time {max(times):.1f} s, median {sorted(times)[len(times)//2]:.1f} s")
    bad = sum(v for o, v in total.items() if o not in ("exit 0", "exit 2"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
