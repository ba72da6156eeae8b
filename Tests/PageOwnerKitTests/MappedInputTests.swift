import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The mapped path (regular files of `InputOptions.mapThreshold` bytes or more: mapped, cut
/// into one part per worker, parsed on the `WorkerPool`, pages dropped behind the parsers)
/// runs on the real fixtures by lowering the threshold, on 1, 2 and 3 workers, and gives
/// what reading the same files as a stream on one worker gives, byte for byte.
final class MappedInputTests: XCTestCase {
    static let dumps = [
        "k6.1-m1024/s1-boot/page_owner",
        "k6.12-m1024/s1-boot/page_owner",
        "k6.12-m1024/s1-boot/show_stacks",
        "k7.3-m1536-numa/s1-boot/page_owner.mode_handle",
        "k7.3-m1536-numa/s1-boot/page_owner.nid_1",
    ]

    func options(threads: Int, mapped: Bool) -> ReportRun {
        var run = ReportRun()
        run.keys = [.stack, .pid, .order]
        run.input = InputOptions(strict: true, threads: threads, mapThreshold: mapped ? 1 : Int.max)
        return run
    }

    func report(_ dumps: [String], _ run: ReportRun) throws -> [UInt8] {
        var r = run
        if dumps.contains(where: { $0.hasSuffix("mode_handle") }) {
            r.stacksFiles = [TestFixtures.dump("k7.3-m1536-numa/s1-boot/show_stacks_handles")]
        }
        let p = try Pipeline.load(inputs: dumps.map(TestFixtures.dump), options: r)
        let report = Report(p.aggregator, selection: Report.Selection())
        var ctx = ReportContext()
        ctx.inputs = p.aggregator.totals
        return try TestFixtures.render { try ReportFormat.csv.formatter.write(report, context: ctx, to: $0) }
    }

    func testTheFixturesAreMappedWithALowThreshold() throws {
        for d in Self.dumps {
            let f = try FileSource(path: TestFixtures.dump(d))
            XCTAssertNil(f.mapped(), "\(d): below the default threshold, read")
            let g = try FileSource(path: TestFixtures.dump(d))
            g.mapThreshold = 1
            XCTAssertNotNil(g.mapped(), "\(d): mapped")
        }
    }

    func testMappedOn1To3WorkersEqualsStreamed() throws {
        for d in Self.dumps {
            let streamed = try report([d], options(threads: 1, mapped: false))
            XCTAssertGreaterThan(streamed.count, 1000, d)
            for threads in 1...3 {
                let mapped = try report([d], options(threads: threads, mapped: true))
                XCTAssertEqual(
                    mapped, streamed, "\(d), \(threads) worker(s): \(TestFixtures.firstDifference(mapped, streamed))")
            }
        }
    }

    func testSeveralMappedInputsInOneRun() throws {
        let dumps = ["k6.1-m1024/s1-boot/page_owner", "k6.12-m1024/s1-boot/page_owner"]
        let streamed = try report(dumps, options(threads: 1, mapped: false))
        for threads in 2...3 {
            XCTAssertEqual(try report(dumps, options(threads: threads, mapped: true)), streamed, "\(threads) workers")
        }
    }
}
