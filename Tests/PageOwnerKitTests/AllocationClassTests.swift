import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The `caller` and `allocator` keys on every kernel era of the real fixtures, checked
/// against an independent reading of the dump text (plain string searches, no parser).
final class AllocationClassTests: XCTestCase {
    static let dumps = [
        "k6.1-m1024/s2-workload/page_owner", "k6.12-m1024/s2-workload/page_owner",
        "k7.3-m1536-numa/s2-workload/page_owner",
    ]

    func report(_ dump: String, _ keys: [GroupKey]) throws -> Report {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        let agg = try run.makeAggregator()
        try run.read(TestFixtures.dump(dump), into: agg)
        agg.resolveLateHandles()
        return Report(agg, selection: Report.Selection())
    }

    /// Each record of the dump as (base pages, frame symbols leaf first), read with
    /// Foundation string functions.
    func records(_ dump: String) throws -> [(pages: Int64, frames: [String])] {
        let text = String(decoding: try TestFixtures.readAll(TestFixtures.dump(dump)), as: UTF8.self)
        var out: [(Int64, [String])] = []
        for block in text.components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n").map(String.init)
            guard let header = lines.first(where: { $0.hasPrefix("Page allocated via order ") }) else { continue }
            let order = Int(header.dropFirst("Page allocated via order ".count).prefix { $0.isNumber })!
            let frames = lines.filter { $0.hasPrefix(" ") }.map { line -> String in
                let t = line.trimmingCharacters(in: .whitespaces)
                return String(t.prefix { $0 != "+" && $0 != " " })
            }
            out.append((Int64(1) << order, frames))
        }
        return out
    }

    /// Slab sheaves (7.x), compiler suffixes and mempools no longer name the caller.
    func testCallerSkipsAllocatorInternalsOnEveryEra() throws {
        let internals: Set<String> = [
            "refill_objects", "__pcs_replace_empty_main", "__prefill_sheaf_pfmemalloc", "kmem_cache_prefill_sheaf",
            "only_alloc_fresh_hugetlb_folio.isra.0", "alloc_buddy_huge_page.isra.0", "get_free_pages_noprof",
            "alloc_slab_obj_exts", "memcg_alloc_slab_cgroups", "__memcg_slab_post_alloc_hook", "mempool_alloc_noprof", "mempool_alloc",
            "mempool_init_node", "execmem_alloc", "execmem_vmalloc", "module_alloc",
        ]
        for dump in Self.dumps {
            let r = try report(dump, [.caller])
            let callers = Set(r.rows.map { $0.cells[0].text })
            XCTAssertEqual(callers.intersection(internals), [], "\(dump): allocator internals named as callers")
            XCTAssertEqual(r.rows.reduce(0) { $0 + $1.metrics.pages }, r.total.pages, dump)
        }
        // The 7.3 boot-time mm_struct: allocate_slab <- refill_objects <- __pcs_replace_empty_main
        // <- kmem_cache_alloc_noprof <- mm_alloc: the caller is mm_alloc.
        let r73 = try report(Self.dumps[2], [.caller])
        XCTAssertNotNil(r73.rows.first { $0.cells[0].text == "mm_alloc" }, "7.3: mm_alloc is a caller")
        // Suffixed symbols that are not allocator functions stay callers as printed.
        XCTAssertNotNil(r73.rows.first { $0.cells[0].text == "alloc_buf.constprop.0" })
    }

    /// The allocator class agrees with the frames each class is named by, on every era:
    /// slab pages are every page under a slab allocation (the kernel tool's rule labels
    /// most of them OTHERS), shmem and page-cache pages likewise.
    func testAllocatorClassMatchesTheStacksOnEveryEra() throws {
        for dump in Self.dumps {
            let r = try report(dump, [.allocator])
            var byClass: [String: Int64] = [:]
            for row in r.rows { byClass[row.cells[0].text] = row.metrics.pages }
            XCTAssertEqual(byClass.values.reduce(0, +), r.total.pages, "\(dump): classes sum to the total")
            XCTAssertTrue(Set(byClass.keys).isSubset(of: Set(AllocationClass.allCases.map(\.name))), "\(dump): \(byClass.keys)")

            var slab: Int64 = 0, shmem: Int64 = 0, cache: Int64 = 0, hugetlb: Int64 = 0, early: Int64 = 0, thp: Int64 = 0
            for rec in try records(dump) {
                let f = rec.frames
                // Slab pages, and large kmalloc()s served straight from the page allocator.
                if f.contains(where: { ["allocate_slab", "___slab_alloc", "new_slab"].contains($0) || $0.contains("kmalloc_large") }) {
                    slab += rec.pages
                } else if f.contains("shmem_alloc_folio") {
                    shmem += rec.pages
                } else if f.contains(where: { $0.hasPrefix("__filemap_get_folio") || $0.hasPrefix("page_cache_ra_") }) {
                    cache += rec.pages
                } else if f.contains(where: { $0.contains("huge_page") || $0.contains("hugetlb_folio") || $0 == "alloc_pool_huge_folio" }) {
                    hugetlb += rec.pages
                } else if f.first == "register_early_stack" {
                    early += rec.pages
                } else if f.contains("do_huge_pmd_anonymous_page") {
                    thp += rec.pages
                }
            }
            XCTAssertGreaterThan(slab, 2000, dump)
            XCTAssertEqual(byClass["slab"], slab, "\(dump): slab pages")
            XCTAssertEqual(byClass["shmem"], shmem, "\(dump): shmem pages")
            XCTAssertEqual(byClass["page-cache"], cache, "\(dump): page cache pages")
            XCTAssertEqual(byClass["hugetlb"], hugetlb, "\(dump): hugetlb pool pages")
            XCTAssertEqual(byClass["early-boot"], early, "\(dump): early boot pages")
            // The workload's 64 MiB of anonymous memory, 32 MiB of it THP, and more.
            XCTAssertGreaterThanOrEqual(byClass["anon"] ?? 0, 16384 + thp, "\(dump): anon pages")
            XCTAssertLessThan(byClass["other"] ?? 0, r.total.pages / 50, "\(dump): under 2% unclassified")
        }
    }

    func testSymbolPatternsDropCompilerSuffixes() {
        let p = SymbolPatterns([("foo", 1), ("bar_*", 2), ("baz.isra.0", 3)])
        func m(_ s: String) -> Int? { ByteView.with(s) { p.match($0) } }
        XCTAssertEqual(m("foo"), 1)
        XCTAssertEqual(m("foo.isra.0"), 1)
        XCTAssertEqual(m("foo.cold"), 1)
        XCTAssertNil(m("foobar"))
        XCTAssertNil(m("fo"))
        XCTAssertEqual(m("bar_x.constprop.0"), 2)
        XCTAssertEqual(m("bar_"), 2)
        XCTAssertNil(m("bar"))
        XCTAssertEqual(m("baz"), 3)
        XCTAssertNil(m(""))
        XCTAssertNil(m(".isra"))
    }

    func testMechanismGivesWayToPurpose() {
        func classify(_ frames: [String]) -> AllocationClass {
            var c = AllocationClassifier()
            for f in frames {
                if !ByteView.with(f, { c.add($0) }) { break }
            }
            return c.result
        }
        XCTAssertEqual(classify(["prep_new_page", "__vmalloc_node_range_noprof", "dup_task_struct", "copy_process"]), .kernelStack)
        XCTAssertEqual(classify(["prep_new_page", "__vmalloc_node_noprof", "pcpu_create_chunk"]), .percpu)
        XCTAssertEqual(classify(["prep_new_page", "__vmalloc_node_range_noprof", "alloc_large_system_hash"]), .vmalloc)
        XCTAssertEqual(classify(["prep_new_page", "allocate_slab", "kmem_cache_alloc_noprof", "copy_process"]), .slab)
        XCTAssertEqual(classify(["prep_new_page", "alloc_pages_node_noprof", "copy_process"]), .kernelStack)
        XCTAssertEqual(classify(["prep_new_page", "pte_alloc_one", "__pte_alloc", "__handle_mm_fault"]), .pageTable)
        XCTAssertEqual(classify(["prep_new_page", "vma_alloc_folio_noprof", "__handle_mm_fault"]), .anon)
        XCTAssertEqual(classify(["prep_new_page", "shmem_alloc_folio", "shmem_fault", "__handle_mm_fault"]), .shmem)
        XCTAssertEqual(classify(["prep_new_page", "alloc_pages_noprof", "anon_pipe_write"]), .other)
    }
}

/// The man page lists the same patterns the program uses (one list, documented).
final class AllocatorListDocumentationTests: XCTestCase {
    func testManPageListsEveryPattern() throws {
        let man = try String(contentsOf: TestFixtures.packageRoot.appendingPathComponent("man/page-owner-sort.1"), encoding: .utf8)
        let words = Set(man.components(separatedBy: CharacterSet(charactersIn: " ,\n")))
        for p in AllocatorFunctions.defaults { XCTAssertTrue(words.contains(p), "CALLER lacks \(p)") }
        for (c, ps) in AllocationClass.rules {
            XCTAssertTrue(words.contains(c.name), "man page lacks class \(c.name)")
            for p in ps { XCTAssertTrue(words.contains(p), "ALLOCATION CLASS lacks \(p)") }
        }
    }
}
