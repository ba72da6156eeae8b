/// What the scale generator knows about real dumps: record profiles (order, mask, task,
/// page types, flags, trailer lines), distinct stacks, comms and masks, harvested at run
/// time from a real page_owner file (or, without one, from a built-in synthetic dump).
public struct Vocabulary: Sendable {
    /// One profile per harvested record, duplicates kept (so sampling keeps frequencies).
    public var profiles: [VocabularyProfile] = []
    /// Distinct stacks in first-seen order; each is its frames' text without the leading
    /// space and newline.
    public var stacks: [[[UInt8]]] = []
    /// Distinct comms and distinct mask texts (`0x…(…)`), in first-seen order.
    public var comms: [[UInt8]] = []
    public var masks: [[UInt8]] = []
    /// Where it came from (a path, or `builtin`).
    public var source: String = ""

    public init() {}

    /// The fixture looked for when no vocabulary file is named, relative to the current directory.
    public static let defaultCandidates = [
        "Fixtures/k6.12-m1024/s1-boot/page_owner",
        "../shared/fixtures/k6.12-m1024/s1-boot/page_owner",
        "../../shared/fixtures/k6.12-m1024/s1-boot/page_owner",
    ]

    /// The first default candidate that exists, if any.
    public static func defaultPath() -> String? {
        defaultCandidates.first { FileIO.isFile($0) }
    }

    /// Harvests the page_owner file at `path`.
    public static func harvest(path: String) throws -> Vocabulary {
        if path.hasSuffix(".zst") || path.hasSuffix(".gz") {
            throw SynthError("\(path): give an uncompressed page_owner file as vocabulary")
        }
        var v = harvest(bytes: try FileIO.readAll(path))
        v.source = path
        guard !v.profiles.isEmpty, !v.stacks.isEmpty else {
            throw SynthError("\(path): no page_owner records with stacks found")
        }
        return v
    }

    /// The named file, else the default fixture, else the built-in vocabulary.
    public static func load(path: String?) throws -> Vocabulary {
        if let path { return try harvest(path: path) }
        if let p = defaultPath() { return try harvest(path: p) }
        return builtin
    }

    /// A vocabulary harvested from a synthetic v6.7-era dump, for when no real file is at hand.
    public static var builtin: Vocabulary {
        var options = SynthOptions()
        options.memcg = true
        options.migrateReasons = true
        options.placeholderStacks = true
        var v = harvest(bytes: EraRenderer.render(era: .v6_7, count: 400, seed: 7, options: options))
        v.source = "builtin"
        return v
    }

    /// Harvests page_owner text: blocks separated by blank lines, stacks from the
    /// space-indented lines, the rest from the header and PFN lines.
    public static func harvest(bytes: [UInt8]) -> Vocabulary {
        var v = Vocabulary()
        var stackIndex: [[[UInt8]]: Int] = [:]
        var commSeen = Set<[UInt8]>()
        var maskSeen = Set<[UInt8]>()
        var header: [UInt8]? = nil
        var pfnLine: [UInt8]? = nil
        var frames: [[UInt8]] = []
        var trailer: [UInt8] = []

        func finish() {
            if !frames.isEmpty, stackIndex[frames] == nil {
                stackIndex[frames] = v.stacks.count
                v.stacks.append(frames)
            }
            if let h = header {
                let p = profile(header: h, pfnLine: pfnLine, trailer: trailer)
                v.profiles.append(p.profile)
                if let c = p.comm, commSeen.insert(c).inserted { v.comms.append(c) }
                if let m = p.mask, maskSeen.insert(m).inserted { v.masks.append(m) }
            }
            header = nil
            pfnLine = nil
            frames.removeAll(keepingCapacity: true)
            trailer.removeAll(keepingCapacity: true)
        }

        bytes.withUnsafeBufferPointer { buf in
            var pos = 0
            let n = buf.count
            while pos < n {
                var end = pos
                while end < n && buf[end] != 10 { end += 1 }
                var stop = end
                if stop > pos && buf[stop - 1] == 13 { stop -= 1 }
                let line = Array(buf[pos..<stop])
                pos = end + 1
                if line.isEmpty {
                    finish()
                    continue
                }
                if line.first == 32 {
                    frames.append(Array(line.dropFirst()))
                } else if line.starts(with: Self.headerPrefix) {
                    if header != nil || !frames.isEmpty { finish() }
                    header = line
                } else if line.starts(with: Self.pfnPrefix) {
                    pfnLine = line
                } else if header != nil {
                    trailer += line
                    trailer.append(10)
                }
            }
            finish()
        }
        return v
    }

    static let headerPrefix = Array("Page allocated via order ".utf8)
    static let pfnPrefix = Array("PFN ".utf8)

    /// Splits one record's header and PFN line into a profile.
    static func profile(header h: [UInt8], pfnLine: [UInt8]?, trailer: [UInt8]) -> (
        profile: VocabularyProfile, comm: [UInt8]?, mask: [UInt8]?
    ) {
        var order = 0
        var i = headerPrefix.count
        while i < h.count, h[i] >= 48, h[i] <= 57 {
            order = order * 10 + Int(h[i] - 48)
            i += 1
        }
        let tsMark = Array(", ts ".utf8)
        var head: [UInt8]
        if let at = lastIndex(of: tsMark, in: h) {
            head = Array(h[0..<(at + tsMark.count)])
        } else {
            head = h + Array(", pid 1, tgid 1 (swapper/0), ts ".utf8)
        }
        var comm: [UInt8]? = nil
        if let t = firstIndex(of: Array(", tgid ".utf8), in: h), let open = firstIndex(of: Array(" (".utf8), in: h, from: t),
            let close = lastIndex(of: Array("), ts ".utf8), in: h), close >= open + 2
        {
            comm = Array(h[(open + 2)..<close])
        }
        var mask: [UInt8]? = nil
        if let m = firstIndex(of: Array("mask ".utf8), in: h) {
            let end = firstIndex(of: Array(", pid ".utf8), in: h, from: m) ?? h.count
            mask = Array(h[(m + 5)..<end])
        }
        var pageType = Array("Unmovable".utf8)
        var blockType = pageType
        var flags = Array("0x0(section=0|node=0|zone=0)".utf8)
        if let p = pfnLine {
            let words = p.split(separator: 32, omittingEmptySubsequences: false)
            // PFN <pfn> type <A> Block <n> type <B> Flags <F…>
            if words.count >= 10, words[2].elementsEqual("type".utf8), words[6].elementsEqual("type".utf8),
                words[8].elementsEqual("Flags".utf8)
            {
                pageType = Array(words[3])
                blockType = Array(words[7])
                if let f = firstIndex(of: Array(" Flags ".utf8), in: p) { flags = Array(p[(f + 7)...]) }
            }
        }
        let profile = VocabularyProfile(
            order: order, head: head, pageType: pageType, blockType: blockType,
            flags: flags, trailer: trailer)
        return (profile, comm, mask)
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func lastIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = hay.count - needle.count
        while i >= 0 {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }
}
