/// What writing each distinct frame line takes, worked out once a frame: a report of 10^6
/// stacks writes 10^7 frames made of 10^5 distinct lines. A form is how many blanks lead the
/// line's text (`StackTable.frameText` drops them) and whether that text is ASCII, needs no
/// CSV quoting and no JSON escaping. A stack whose frames all have the form a format needs
/// is written frame by frame from the interned bytes, with no byte of it examined again;
/// any other takes the general path, so outputs are the same byte for byte.
struct FrameForms {
    static let ascii: UInt8 = 0x20
    static let plainCSV: UInt8 = 0x40
    static let plainJSON: UInt8 = 0x80
    static let skipMask: UInt8 = 0x1f
    /// The form of a line with no text after its blanks, or with more than 30 of them: its
    /// stack takes the general path.
    static let irregular: UInt8 = 0x1f

    /// The form of every frame of `stacks`, by frame id.
    let forms: [UInt8]

    /// The forms of `stacks`' frames, worked out on `threads` threads; nil when a report of
    /// `rows` rows writes too few frames for it to pay (a `--top` of a large table).
    init?(_ stacks: StackTable, rows: Int, threads: Int) {
        let frames = stacks.stacks.frames
        guard rows > 0, rows * 4 >= frames.count else { return nil }
        forms = ParallelParts.map(frames.count, threads: threads) { range in
            range.map { f in frames.withBytes(Int32(f)) { Self.form(of: $0) } }
        }.flatMap { $0 }
    }

    /// The form of one frame line (as printed, with its leading blanks).
    static func form(of line: ByteView) -> UInt8 {
        let (s, e) = StackTable.frameText(line, 0, line.count)
        guard e > s, s < Int(irregular) else { return irregular }
        let text = line.slice(s, e)
        var f = UInt8(s)
        if ByteRendering.isASCII(text) { f |= ascii }
        if ByteRendering.isPlainCSV(text) { f |= plainCSV }
        if ByteRendering.isPlainJSON(text) { f |= plainJSON }
        return f
    }

    /// Calls `frame` with the text of each frame of stack `h`, innermost first, when every
    /// frame's form has `flag`; otherwise drops what it appended to `out` and returns false.
    @inline(__always)
    func appendFrames(
        _ stacks: StackTable, _ h: Int32, need flag: UInt8, to out: inout [UInt8], _ frame: (ByteView, inout [UInt8]) -> Void
    ) -> Bool {
        let start = out.count
        let ok = forms.withUnsafeBufferPointer { fm in
            stacks.stacks.withFrameIDs(h) { ids -> Bool in
                for id in ids {
                    let f = fm[Int(id)]
                    let skip = Int(f & Self.skipMask)
                    if f & flag == 0 || skip == Int(Self.irregular) { return false }
                    stacks.stacks.frames.withBytes(id) { line in frame(line.slice(skip, line.count), &out) }
                }
                return true
            }
        }
        if !ok { out.removeSubrange(start...) }
        return ok
    }
}
