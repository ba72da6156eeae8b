#if canImport(Glibc)
import Glibc
#endif

/// The controlling terminal for `top`: raw keys, the alternate screen, size, and a
/// restore that runs however the program ends.
public final class Terminal {
    var saved = termios()
    var active = false

    public init() {}

    /// Whether standard output is a terminal.
    public static var isTerminal: Bool { isatty(1) == 1 }

    /// Switches to raw keys and the alternate screen, cursor hidden.
    public func enter() {
        guard !active else { return }
        if tcgetattr(0, &saved) == 0 {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            tcsetattr(0, TCSANOW, &raw)
        }
        write("\u{1b}[?1049h\u{1b}[?25l")
        active = true
    }

    /// Puts the terminal back as it was.
    public func leave() {
        guard active else { return }
        write("\u{1b}[?25h\u{1b}[?1049l")
        tcsetattr(0, TCSANOW, &saved)
        active = false
    }

    deinit { leave() }

    public var size: (width: Int, height: Int) {
        var w = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0, w.ws_row > 0 { return (Int(w.ws_col), Int(w.ws_row)) }
        return (100, 30)
    }

    /// Draws `lines` from the top left, clearing what was there.
    public func draw(_ lines: [String]) {
        write("\u{1b}[H\u{1b}[2J" + lines.joined(separator: "\r\n"))
    }

    /// The next key pressed within `timeoutMs`, or nil.
    public func key(timeoutMs: Int32) -> UInt8? {
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) > 0 else { return nil }
        var c: UInt8 = 0
        return Glibc.read(0, &c, 1) == 1 ? c : nil
    }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { b in
            var off = 0
            while off < b.count {
                let n = Glibc.write(1, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                off += n
            }
        }
    }
}
