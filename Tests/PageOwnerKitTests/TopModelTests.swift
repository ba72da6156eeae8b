import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `top`'s model over many samples of the real 7.3 snapshots: bounded memory, the sample
/// count and the rows the same as a model that kept everything.
final class TopModelTests: XCTestCase {
    func snapshot(_ s: String, _ f: String) throws -> [UInt8] {
        try TestFixtures.readAll(TestFixtures.dump("k7.3-m1536-numa/\(s)/\(f)"))
    }

    func testLongRunsKeepFewSamplesAndTheSameRows() throws {
        let snaps = ["s1-boot", "s2-workload", "s3-after"]
        let stacks = try snaps.map { try snapshot($0, "show_stacks_handles") }
        let samples = try snaps.map { try snapshot($0, "show_handles") }
        let bounded = TopModel(keys: [.caller], keep: 5)
        let full = TopModel(keys: [.caller], keep: 1000)
        for m in [bounded, full] {
            for s in stacks { try m.addStacks(s) }
        }
        // s1, then s2 and s3 alternating: 24 samples, 10 ms apart, s3 last.
        for i in 0..<24 {
            let k = i == 0 ? 0 : 1 + i % 2
            for m in [bounded, full] { try m.addSample(samples[k], name: "sample-\(i)", monotonicNs: UInt64(i) * 10_000_000) }
            let kept = bounded.items.filter { if case .sample = $0 { return true } else { return false } }.count
            XCTAssertLessThan(kept, 10, "at most 2 * keep samples held")
            XCTAssertEqual(bounded.sampleCount, i + 1)
            for sort in TopModel.Sort.allCases {
                let a = bounded.rows(sort: sort, limit: 10)
                let b = full.rows(sort: sort, limit: 10)
                XCTAssertEqual(a.map(\.label), b.map(\.label), "sample \(i + 1), \(sort)")
                XCTAssertEqual(a.map(\.pages), b.map(\.pages))
                XCTAssertEqual(a.map(\.sinceStart), b.map(\.sinceStart))
                XCTAssertEqual(a.map(\.sinceLast), b.map(\.sinceLast))
                XCTAssertEqual(a.map(\.rate), b.map(\.rate))
                XCTAssertEqual(a.map { $0.history.suffix(4) }, b.map { $0.history.suffix(4) }, "the sparkline's recent samples")
            }
        }
        XCTAssertEqual(bounded.elapsedNs, 230_000_000)
        let head = bounded.render(sort: .growth, width: 200, height: 10, title: "t")[0]
        XCTAssertTrue(head.hasPrefix("t | sample 24 at +0.2s | "), head)
        // s1 -> s3 (the last sample): anonymous faults grew the most.
        XCTAssertEqual(bounded.rows(sort: .growth, limit: 1).first?.label, "__handle_mm_fault")
        try bounded.regroup([.comm])
        XCTAssertEqual(bounded.sampleCount, 24, "regrouping keeps the count")
        XCTAssertFalse(bounded.rows(sort: .pages, limit: 5).isEmpty)
    }
}
