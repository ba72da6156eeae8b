import Foundation
import XCTest

@testable import PageOwnerKit
import PageOwnerTestSupport

/// Golden files beside the tests: re-recorded on purpose with `RECORD_GOLDENS=1`, never by hand.
enum Golden {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    static func check(_ name: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = dir.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden \(name); run with RECORD_GOLDENS=1 to record it", file: file, line: line)
            return
        }
        if expected != text {
            XCTFail(
                "golden \(name) differs: \(TestFixtures.firstDifference(Array(text.utf8), Array(expected.utf8)))", file: file, line: line)
        }
    }
}

extension OptionSpelling {
    /// Each option as `--` and its meaning in kebab case (`--group-by`): a command line's
    /// spelling for the tests of messages that name options (the library spells none).
    static let flags = OptionSpelling(
        Dictionary(
            uniqueKeysWithValues: CommandOption.allCases.map { o in
                (o, "--" + o.rawValue.map { $0.isUppercase ? "-" + $0.lowercased() : String($0) }.joined())
            }))
}
