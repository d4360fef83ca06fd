import Foundation
import Synchronization
import PlytixPrimaTestSupport
import Testing

@testable import PlytixPrima

/// The per-row stages across threads, when the catalogue of what Prima has is still loading.
@Suite struct FirstPassPipelineTests {
    static func exportFile(_ directory: TempDirectory, rows: Int) -> String {
        directory.write("export.csv", MiniExport.csv((0..<rows).map { MiniExport.row("P-\($0)") }))
    }

    /// Every accepted row the pipeline hands back, in order.
    static func drain(_ pipeline: FirstPassPipeline) -> [AcceptedRow] {
        var pending: [Int: MappedMessage] = [:]
        var expected = 0
        var accepted: [AcceptedRow] = []
        while let message = pipeline.next(&pending, expected: &expected) {
            guard case .rows(let rows) = message else { continue }
            for case .accepted(let row) in rows { accepted.append(row) }
        }
        pipeline.finish()
        return accepted
    }

    static func pending(_ path: String) -> FirstPassPipeline {
        FirstPassPipeline(
            path: path, name: "export.csv", config: DefaultLayout.config, layout: DefaultLayout.layout, cataloguePending: true, workers: 2)
    }

    @Test func rowsWaitForTheCatalogueAndArePrintedAgainstIt() {
        let directory = TempDirectory("first-pass")
        let pipeline = Self.pending(Self.exportFile(directory, rows: 1000))
        // The reader is already reading; the mapping threads start once the catalogue arrives.
        Thread.sleep(forTimeInterval: 0.05)
        pipeline.publish(KnownCatalogue())
        let rows = Self.drain(pipeline)
        #expect(rows.map(\.sku) == (0..<1000).map { "P-\($0)" })
        // With a state store every row is printed, so that the next run can recognise it.
        #expect(rows.allSatisfy { $0.sourcePrint != 0 })
    }

    @Test func withoutAStateStoreNoRowIsPrinted() {
        let directory = TempDirectory("first-pass")
        let pipeline = Self.pending(Self.exportFile(directory, rows: 10))
        pipeline.publish(nil)
        let rows = Self.drain(pipeline)
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { $0.sourcePrint == 0 })
    }

    /// The state store failed to load: the run gives up before any catalogue is handed over, and
    /// the mapping threads waiting for one must still end.
    @Test func aPipelineStillWaitingForItsCatalogueCanBeCancelled() {
        let directory = TempDirectory("first-pass")
        let pipeline = Self.pending(Self.exportFile(directory, rows: 20_000))
        pipeline.cancel()
        // A catalogue that comes after the cancellation changes nothing.
        pipeline.publish(KnownCatalogue())
        var pending: [Int: MappedMessage] = [:]
        var expected = 0
        #expect(pipeline.next(&pending, expected: &expected) == nil)
    }

    @Test func onlyTheFirstHandOverCounts() {
        let handOver = RecognizerHandOver()
        let recognizer = UnchangedRowRecognizer(
            config: DefaultLayout.config, layout: DefaultLayout.layout, format: .csv, published: nil)
        let group = DispatchGroup()
        let seen = Mutex<[Int]>([])
        for _ in 0..<3 {
            DispatchQueue.global().async(group: group) {
                let count = handOver.wait().count
                seen.withLock { $0.append(count) }
            }
        }
        handOver.hand([.csv: recognizer])
        handOver.hand([:])
        group.wait()
        #expect(seen.withLock { $0 } == [1, 1, 1])
        #expect(handOver.wait()[.csv] === recognizer)
    }
}
