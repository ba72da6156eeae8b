extension RecordParser {
    /// Parses every record of `b` both ways: the careful path (`RecordSplitter` + `parse`)
    /// from each record start, and the fast path (`parseFast`) from the same start. Returns
    /// how many records there were, how many the fast path took, and the first record where
    /// the two disagree (nil when none does: they must never disagree). For tests and fuzzing.
    static func compareFastPath(_ b: ByteView) -> (records: Int, fast: Int, mismatch: String?) {
        guard b.count > 0 else { return (0, 0, nil) }
        let base = b
        var records = 0
        var fast = 0
        var splitter = RecordSplitter(base, from: 0, to: b.count)
        defer { splitter.release() }
        let parser = RecordParser()
        var careful = Record()
        var quick = Record()
        while let (start, stop, _) = splitter.next() {
            records += 1
            let problem = parser.parse(
                base, start, stop, crlf: false, lineEnds: splitter.lineEnds, mayHoldNUL: true, into: &careful)
            guard let (quickStop, lines) = parser.parseFast(base, start, b.count, into: &quick) else { continue }
            fast += 1
            let why: String?
            if problem != nil {
                why = "the fast path took a record the careful path refuses"
            } else if quickStop != stop {
                why = "record end \(quickStop), careful \(stop)"
            } else if lines != Chunker.countNewlines(base.slice(start, stop)) {
                why = "\(lines) lines counted"
            } else if String(describing: quick) != String(describing: careful) {
                why = "fields differ: \(quick) vs \(careful)"
            } else {
                why = nil
            }
            if let why { return (records, fast, "record at byte \(start): \(why)") }
        }
        return (records, fast, nil)
    }
}
