import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The DWARF reader on DWARF 4 and 5 made by gcc from a small C program that prints its
/// own layouts: every offset, bit field and enumerator the reader reports must equal them.
final class DWARFTests: XCTestCase {
    static let source = """
        #include <stdio.h>
        #include <stddef.h>
        enum ext_flags { OWNER, OWNER_ALLOCATED, LAST_BIT = 5 };
        union parts { unsigned int handle; struct { unsigned int pool : 17; unsigned int offset : 10; unsigned int extra : 5; }; };
        struct rec { void *next, *prev; unsigned int hash; unsigned int size; union parts handle; int count;
                     union { unsigned long entries[64]; struct { void *a, *b; unsigned long rcu; }; }; };
        typedef unsigned int gfp_t;
        struct owner { unsigned short order; short reason; gfp_t gfp_mask; unsigned int handle; unsigned long long ts;
                       char comm[16]; int pid; int tgid; };
        struct rec records[2];
        struct owner owners[2];
        void *pools[8192];
        int main(void) {
            struct rec r = {0};
            r.handle.offset = 1;
            printf("%zu %zu %zu %zu %zu %zu %zu %zu %u %d %d\\n", offsetof(struct owner, ts), offsetof(struct owner, comm),
                   offsetof(struct owner, tgid), sizeof(struct owner), offsetof(struct rec, size), offsetof(struct rec, entries),
                   offsetof(struct rec, rcu), sizeof(struct rec), r.handle.handle, OWNER_ALLOCATED, LAST_BIT);
            return (int)(records[0].size + owners[0].pid) + (pools[0] != 0);
        }
        """

    func layouts(dwarfVersion: Int) throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = dir.appendingPathComponent("layout.c").path
        let exe = dir.appendingPathComponent("layout").path
        try Self.source.write(toFile: c, atomically: true, encoding: .utf8)
        func run(_ cmd: String) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", cmd]
            let o = Pipe()
            p.standardOutput = o
            try p.run()
            let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, out)
        }
        guard try run("command -v gcc >/dev/null").0 == 0 else { throw XCTSkip("gcc is not installed") }
        XCTAssertEqual(try run("gcc -g -gdwarf-\(dwarfVersion) -O0 -o '\(exe)' '\(c)'").0, 0)
        let truth = try run("'\(exe)'").1.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        let file = try MappedFile(path: exe)
        try withExtendedLifetime(file) {
            var d = try DWARF(try ELFFile(file.bytes))
            try d.index(types: ["owner", "rec", "parts"], variables: ["pools"], enumerators: ["OWNER_ALLOCATED", "LAST_BIT"])
            XCTAssertEqual(try d.member("owner", "ts").offset, truth[0])
            XCTAssertEqual(try d.member("owner", "comm").offset, truth[1])
            XCTAssertEqual(try d.member("owner", "tgid").offset, truth[2])
            XCTAssertEqual(try d.size(of: "owner"), truth[3])
            XCTAssertEqual(try d.member("rec", "size").offset, truth[4])
            XCTAssertEqual(try d.member("rec", "entries").offset, truth[5], "member of an anonymous union")
            XCTAssertEqual(try d.member("rec", "rcu").offset, truth[6], "member of a struct in an anonymous union")
            XCTAssertEqual(try d.size(of: "rec"), truth[7])
            let off = try d.member("rec", "handle.offset")
            // handle with only `offset = 1` set: 1 << bit offset.
            XCTAssertEqual(1 << (off.bitOffset ?? -1), truth[8])
            XCTAssertEqual(off.bitSize, 10)
            XCTAssertEqual(try d.member("rec", "handle.pool").bitSize, 17)
            XCTAssertEqual(d.enumerators["OWNER_ALLOCATED"], Int64(truth[9]))
            XCTAssertEqual(d.enumerators["LAST_BIT"], Int64(truth[10]))
            XCTAssertTrue(d.isArray(try d.variableType("pools")))
            XCTAssertThrowsError(try d.member("owner", "missing"))

            // The name scan finds what a walk over every top-level DIE (DWARF.die, one
            // dictionary per DIE) finds: the first definition of each name, in unit order,
            // here for every name the program and its libc headers define.
            var walked = (types: [String: Int](), variables: [String: Int](), enumerators: [String: Int64]())
            if d.units.isEmpty { try d.readUnits() }
            for unit in d.units {
                guard let cu = d.die(at: unit.dieStart, unit, attributes: false), cu.hasChildren else { continue }
                var p = cu.end
                while p < unit.end, let e = d.die(at: p, unit), e.tag != 0 {
                    if let n = e.name, e.attrs[0x3c]?.uint != 1 {
                        if [0x13, 0x17, 0x04].contains(e.tag), walked.types[n] == nil { walked.types[n] = e.offset }
                        if e.tag == 0x34, walked.variables[n] == nil { walked.variables[n] = e.offset }
                    }
                    if e.tag == 0x04 {
                        for c in d.children(of: e.offset) where c.tag == 0x28 {
                            if let n = c.name, walked.enumerators[n] == nil, let v = c.attrs[0x1c]?.uint { walked.enumerators[n] = Int64(bitPattern: v) }
                        }
                    }
                    p = d.skip(e, unit)
                }
            }
            XCTAssertGreaterThanOrEqual(walked.types.count, 4)  // ext_flags, parts, rec, owner
            var all = try DWARF(try ELFFile(file.bytes))
            try all.index(
                types: Set(walked.types.keys).union(["absent"]), variables: Set(walked.variables.keys).union(["absent"]),
                enumerators: Set(walked.enumerators.keys).union(["ABSENT"]))
            XCTAssertEqual(all.types, walked.types)
            XCTAssertEqual(all.variables, walked.variables)
            XCTAssertEqual(all.enumerators, walked.enumerators)
        }
    }

    func testDWARF4() throws { try layouts(dwarfVersion: 4) }
    func testDWARF5() throws { try layouts(dwarfVersion: 5) }
}
