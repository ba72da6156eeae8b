/// Makes small synthetic dumps of any era (`SyntheticEra`): first the records' values
/// from a seed (`records`), then their text with the kernel's format strings of that era
/// (`render`). Same era, count, seed and options → same bytes.
public enum EraRenderer {
    /// Renders `count` records of `era` from `seed`.
    public static func render(era: SyntheticEra, count: Int, seed: UInt64, options: SynthOptions = SynthOptions()) -> [UInt8] {
        render(records(era: era, count: count, seed: seed, options: options), era: era, options: options)
    }

    /// The values of `count` records of `era`, drawn from `seed`.
    public static func records(era: SyntheticEra, count: Int, seed: UInt64, options: SynthOptions = SynthOptions()) -> [SynthRecord] {
        var rng = SplitMix64(seed: seed)
        var out: [SynthRecord] = []
        out.reserveCapacity(count)
        var pfn: UInt64 = 0x100 + UInt64(rng.below(0x1000))
        var ts: UInt64 = 1_000_000 + UInt64(rng.below(100_000_000))
        let orders = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 9]
        var tricky = 0
        var memcgs = 0
        var reasons = 0
        var placeholders = 0
        for i in 0..<count {
            var r = SynthRecord()
            r.order = rng.pick(orders)
            let m = rng.pick(EraVocabulary.masks)
            r.mask = m.0
            r.gfpNames = m.1
            r.pid = Int32(1 + rng.below(6000))
            r.tgid = rng.chance(1, in: 4) ? r.pid - Int32(rng.below(Int(min(r.pid, 50)))) : r.pid
            if options.trickyComms && i % 2 == 1 {
                r.comm = EraVocabulary.trickyComms[tricky % EraVocabulary.trickyComms.count]
                tricky += 1
            } else {
                r.comm = rng.pick(EraVocabulary.comms)
            }
            ts += 1 + UInt64(rng.below(50_000_000))
            r.ts = ts
            r.freeTs = rng.chance(1, in: 3) ? 0 : ts - 1 - UInt64(rng.below(Int(min(ts - 1, 1 << 40))))
            let span = UInt64(1) << UInt64(r.order)
            pfn = (pfn + span - 1) & ~(span - 1)
            r.pfn = pfn
            pfn += span + (rng.chance(1, in: 4) ? UInt64(rng.below(64)) : 0)
            let mt = rng.pick(EraVocabulary.migratetypes)
            r.pageType = mt.0
            r.blockType = mt.1
            r.blockTypeNumber = rng.below(4)
            r.fallback = rng.chance(1, in: 5)
            var columns: [UInt8] = []
            for letter in EraVocabulary.flagLetters { columns.append(rng.chance(1, in: 3) ? letter : 32) }
            r.flagColumns = String(decoding: columns, as: UTF8.self)
            switch era.pfnStyle {
            case .decimalNames: r.flags = rng.pick(EraVocabulary.flagsNamesOnly)
            default: r.flags = rng.pick(EraVocabulary.flagsWithFields)
            }
            var frames = rng.pick(EraVocabulary.stacks)
            if era.isStackFile, !frames.isEmpty {
                // Each block of a stack file is a distinct stack: vary the last frame's offset.
                let k = frames.count - 1
                frames[k].offset = (frames[k].offset + UInt64(i)) % max(frames[k].size, 1)
            }
            if options.bareAddresses && era.frameStyle != .mm2005 && rng.chance(1, in: 4) {
                frames[rng.below(frames.count)] = EraVocabulary.bareFrame
            }
            if frames.count > era.maxDepth { frames = Array(frames.prefix(era.maxDepth)) }
            if era.frameStyle == .mm2005, i % 5 == 3 {
                // -mm 2005 printed module frames with an empty symbol name.
                frames[frames.count - 1] = SynthFrame("", 1207, 0, address: 0xf8ac_0a57)
            }
            if options.placeholderStacks && era.hasPlaceholderStacks && (i == 2 || rng.chance(1, in: 6)) {
                let kinds: [[SynthFrame]] =
                    era.isStackFile
                    ? [EraVocabulary.dummyStack, EraVocabulary.failureStack]
                    : [EraVocabulary.earlyStack, EraVocabulary.dummyStack, EraVocabulary.failureStack]
                frames = kinds[placeholders % kinds.count]
                placeholders += 1
                if frames == EraVocabulary.earlyStack {
                    r.order = 0
                    r.mask = 0
                    r.gfpNames = ""
                    r.pid = 1
                    r.tgid = 1
                    r.comm = Array("swapper/0".utf8)
                    r.freeTs = 0
                }
            }
            r.frames = frames
            r.handle = handle(of: frames)
            r.count = Int32(1 + Int(Double(20_000) * pow3(rng.unit())))
            r.swapEntry = 0x2e + UInt64(rng.below(0x10_0000))
            r.swapped = options.swapped && era.canBeSwapped && (i == 1 || rng.chance(1, in: 4))
            if options.migrateReasons && era.hasMigrateReason && (i == 1 || rng.chance(1, in: 4)) {
                r.migrateReason = EraVocabulary.migrateReasons[reasons % EraVocabulary.migrateReasons.count]
                reasons += 1
            }
            if options.memcg && era.hasMemcg && (i == 1 || rng.chance(1, in: 3)) {
                r.slabCache = memcgs % 3 == 0
                r.memcgLine = EraVocabulary.memcgLines[memcgs % EraVocabulary.memcgLines.count]
                memcgs += 1
            }
            out.append(r)
        }
        return out
    }

    static func pow3(_ x: Double) -> Double { x * x * x }

    /// A stack-depot-like handle for a stack: a stable nonzero value below 2^27.
    public static func handle(of frames: [SynthFrame]) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for f in frames {
            for b in f.symbol.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ f.offset) &* 0x100_0000_01b3
            h = (h ^ f.address) &* 0x100_0000_01b3
        }
        return UInt32(truncatingIfNeeded: h & 0x7ff_ffff) | 1
    }

    /// The text of `records` as a dump of `era`, with CRLF and final-blank-line options applied.
    public static func render(_ records: [SynthRecord], era: SyntheticEra, options: SynthOptions = SynthOptions()) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 900)
        for r in records { renderRecord(r, era: era, options: options, into: &out) }
        if !options.finalBlankLine, out.last == 10 { out.removeLast() }
        if options.crlf {
            var crlf: [UInt8] = []
            crlf.reserveCapacity(out.count + out.count / 16)
            for b in out {
                if b == 10 { crlf.append(13) }
                crlf.append(b)
            }
            return crlf
        }
        return out
    }

    /// Appends one record of `era` (LF line ends, with its terminating blank line).
    public static func renderRecord(_ r: SynthRecord, era: SyntheticEra, options: SynthOptions, into out: inout [UInt8]) {
        if era.isPageOwner {
            out += "Page allocated via order ".utf8
            Digits.appendDecimal(UInt64(r.order), to: &out)
            if era.hasMask {
                out += ", mask ".utf8
                if era.hasGfpNames {
                    Digits.appendAltHex(UInt64(r.mask), to: &out)
                    out.append(40)
                    out += r.gfpNames.utf8
                    out.append(41)
                } else {
                    out += "0x".utf8
                    Digits.appendHex(UInt64(r.mask), to: &out)
                }
            }
            if era.hasPid { appendTask(r, era: era, into: &out) }
            out.append(10)
            renderPFNLine(r, era: era, into: &out)
            if era.hasStack { renderStack(r.frames, era: era, options: options, into: &out) }
            if era.hasHandle {
                out += "handle: ".utf8
                Digits.appendDecimal(UInt64(r.handle), to: &out)
                out.append(10)
            }
            if let reason = r.migrateReason {
                out += "Page has been migrated, last migrate reason: ".utf8
                out += reason.utf8
                out.append(10)
            }
            if r.slabCache { out += "Slab cache page\n".utf8 }
            if let line = r.memcgLine {
                out += line.utf8
                out.append(10)
            }
            out.append(10)
            return
        }
        switch era {
        case .swap:
            out += "Page allocated via".utf8
            appendTask(r, era: era, into: &out)
            out += "\nSWP entry 0x".utf8
            Digits.appendHex(r.swapEntry, to: &out)
            out.append(10)
            renderStack(r.frames, era: era, options: options, into: &out)
        case .showStacksCount:
            renderStack(r.frames, era: era, options: options, into: &out)
            out += "stack_count: ".utf8
            Digits.appendDecimal(Int64(r.count), to: &out)
            out.append(10)
        case .showStacks:
            renderStack(r.frames, era: era, options: options, into: &out)
            out += "nr_base_pages: ".utf8
            Digits.appendDecimal(Int64(r.count), to: &out)
            out.append(10)
        case .showHandles:
            out += "handle: ".utf8
            Digits.appendDecimal(Int64(Int32(bitPattern: r.handle)), to: &out)
            out += "\nnr_base_pages: ".utf8
            Digits.appendDecimal(Int64(r.count), to: &out)
            out.append(10)
        case .showStacksHandles:
            renderStack(r.frames, era: era, options: options, into: &out)
            out += "handle: ".utf8
            Digits.appendDecimal(Int64(Int32(bitPattern: r.handle)), to: &out)
            out.append(10)
        default:
            break
        }
        out.append(10)
    }

    /// `, pid %d[, tgid %d] (%s), ts %llu ns[, free_ts %llu ns][ (swapped)]` as the era has it
    /// (swap records: ` pid %d, tgid %d (%s), ts %llu ns`).
    static func appendTask(_ r: SynthRecord, era: SyntheticEra, into out: inout [UInt8]) {
        out += era == .swap ? " pid ".utf8 : ", pid ".utf8
        Digits.appendDecimal(Int64(r.pid), to: &out)
        if era.hasTgid {
            out += ", tgid ".utf8
            Digits.appendDecimal(Int64(r.tgid), to: &out)
        }
        if era.hasTgid || era == .v5_18transient {
            out += " (".utf8
            out += r.comm
            out.append(41)
        }
        out += ", ts ".utf8
        Digits.appendDecimal(r.ts, to: &out)
        out += " ns".utf8
        if era.hasFreeTs {
            out += ", free_ts ".utf8
            Digits.appendDecimal(r.freeTs, to: &out)
            out += " ns".utf8
        }
        if r.swapped { out += " (swapped)".utf8 }
    }

    static func renderPFNLine(_ r: SynthRecord, era: SyntheticEra, into out: inout [UInt8]) {
        switch era.pfnStyle {
        case .none:
            return
        case .columns:
            out += "PFN ".utf8
            Digits.appendDecimal(r.pfn, to: &out)
            out += " Block ".utf8
            Digits.appendDecimal(r.block, to: &out)
            out += " type ".utf8
            Digits.appendDecimal(UInt64(r.blockTypeNumber), to: &out)
            out += r.fallback ? " Fallback Flags ".utf8 : "          Flags ".utf8
            out += r.flagColumns.utf8
        case .decimalNames, .decimalFields, .hex:
            if era.pfnStyle == .hex {
                out += "PFN 0x".utf8
                Digits.appendHex(r.pfn, to: &out)
            } else {
                out += "PFN ".utf8
                Digits.appendDecimal(r.pfn, to: &out)
            }
            out += " type ".utf8
            out += r.pageType.utf8
            out += " Block ".utf8
            Digits.appendDecimal(r.block, to: &out)
            out += " type ".utf8
            out += r.blockType.utf8
            out += " Flags ".utf8
            out += r.flags.utf8
        }
        out.append(10)
    }

    static func renderStack(_ frames: [SynthFrame], era: SyntheticEra, options: SynthOptions, into out: inout [UInt8]) {
        for f in frames {
            switch era.frameStyle {
            case .mm2005:
                out += "[0x".utf8
                Digits.appendHex(f.address & 0xffff_ffff | (f.address > 0xffff_ffff ? 0xc000_0000 : 0), to: &out)
                out += "] ".utf8
                out += f.symbol.utf8
                out.append(43)
                Digits.appendDecimal(f.offset, to: &out)
                out.append(10)
                continue
            case .bracketed:
                out += " [<".utf8
                Digits.appendHex(f.address, width: 16, to: &out)
                out += ">] ".utf8
            case .plain:
                out.append(32)
                if options.addressFrames {
                    out += "[<".utf8
                    Digits.appendHex(f.address, width: 16, to: &out)
                    out += ">] ".utf8
                }
            }
            appendSymbol(f, into: &out)
            out.append(10)
        }
    }

    /// `%pS`: `sym+0xoff/0xsize[ [mod]]`, or `0x<address>` for an unknown symbol.
    public static func appendSymbol(_ f: SynthFrame, into out: inout [UInt8]) {
        if f.symbol.isEmpty {
            out += "0x".utf8
            Digits.appendHex(f.address, to: &out)
            return
        }
        out += f.symbol.utf8
        out += "+0x".utf8
        Digits.appendHex(f.offset, to: &out)
        out += "/0x".utf8
        Digits.appendHex(f.size, to: &out)
        if let m = f.module {
            out += " [".utf8
            out += m.utf8
            out.append(93)
        }
    }
}
