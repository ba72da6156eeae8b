import ArgumentParser
import PageOwnerSynth

#if canImport(Glibc)
import Glibc
#endif

/// `page-owner-gen`: makes synthetic page_owner inputs for tests and benchmarks.
struct PageOwnerGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page-owner-gen",
        abstract: "Make synthetic page_owner dumps: large realistic ones (scale) or small ones of any era (era).",
        subcommands: [Scale.self, Era.self]
    )
}

/// `page-owner-gen scale`: a large dump of a target size.
struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a 6.12-style page_owner, show_stacks or show_handles dump of a given size.",
        discussion: """
            The vocabulary (record shapes, stacks, comms, masks) is harvested from a real page_owner \
            file: --vocabulary, else Fixtures/k6.12-m1024/s1-boot/page_owner or \
            ../shared/fixtures/k6.12-m1024/s1-boot/page_owner, else a built-in synthetic one.
            """
    )

    @Option(help: "page_owner, show_stacks or show_handles.") var format: String = "page_owner"
    @Option(help: "Target size in bytes, with an optional K/M/G suffix (the output is at most this, within one record).") var size: String
    @Option(help: "Number of distinct stacks.") var stacks: Int = 5000
    @Option(help: "Seed; the same seed gives the same bytes.") var seed: UInt64 = 1
    @Option(help: "A real page_owner file to harvest the vocabulary from.") var vocabulary: String?
    @Argument(help: "Output file (- for stdout).") var output: String

    func run() throws {
        guard let f = ScaleFormat(rawValue: format) else {
            throw ValidationError("unknown --format \(format); use one of: \(ScaleFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let bytes = ByteSize.parse(size) else { throw ValidationError("bad --size \(size) (e.g. 4096, 64K, 256M, 1G)") }
        guard stacks >= 1 else { throw ValidationError("--stacks must be at least 1") }
        let vocab = try Vocabulary.load(path: vocabulary)
        let gen = ScaleGenerator(format: f, size: bytes, stackCount: stacks, seed: seed, vocabulary: vocab)
        let summary = try gen.write(path: output)
        FileIO.printErr(
            "page-owner-gen: \(summary.bytes) bytes, \(summary.records) records, \(summary.distinctStacks) distinct stacks (vocabulary: \(vocab.source), \(vocab.stacks.count) stacks, \(vocab.profiles.count) records)\n")
    }
}

/// `page-owner-gen era`: a small dump of one format era.
struct Era: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write N records of one format era.")

    @Option(help: "One of: \(SyntheticEra.allCases.map(\.rawValue).joined(separator: ", ")).") var era: String
    @Option(help: "Number of records.") var records: Int = 100
    @Option(help: "Seed; the same seed gives the same bytes.") var seed: UInt64 = 1
    @Flag(help: "End lines with CRLF.") var crlf = false
    @Flag(name: .customLong("no-final-blank"), help: "Leave out the last record's terminating blank line.") var noFinalBlank = false
    @Flag(help: "Comms with spaces, parentheses, '), ts ' inside, empty and non-ASCII.") var trickyComms = false
    @Flag(help: "Add migrate-reason lines (v4_6+).") var migrate = false
    @Flag(help: "Add Slab cache page / Charged … memcg lines (v5_18+).") var memcg = false
    @Flag(help: "End some headers with ' (swapped)' (v6_7+).") var swapped = false
    @Flag(help: "Add register_early/dummy/failure_stack placeholder stacks.") var placeholders = false
    @Flag(help: "Prefix frames with a vendor '[<address>] '.") var addressFrames = false
    @Flag(help: "Put bare 0x… unresolved frames in stacks.") var bareAddresses = false
    @Flag(help: "All of the content options above.") var all = false
    @Argument(help: "Output file (- for stdout).") var output: String

    func run() throws {
        guard let e = SyntheticEra(rawValue: era) else {
            throw ValidationError("unknown --era \(era); use one of: \(SyntheticEra.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var o = all ? SynthOptions.everything : SynthOptions()
        o.crlf = crlf
        o.finalBlankLine = !noFinalBlank
        if trickyComms { o.trickyComms = true }
        if migrate { o.migrateReasons = true }
        if memcg { o.memcg = true }
        if swapped { o.swapped = true }
        if placeholders { o.placeholderStacks = true }
        if addressFrames { o.addressFrames = true }
        if bareAddresses { o.bareAddresses = true }
        let bytes = EraRenderer.render(era: e, count: records, seed: seed, options: o)
        let fd = try FileIO.openOutput(output)
        defer { if fd != 1 { close(fd) } }
        try bytes.withUnsafeBytes { try FileIO.writeAll(fd, $0) }
    }
}

PageOwnerGen.main()
