import Foundation
import Testing
@testable import PlytixPrima
import PlytixPrimaTestSupport

@Suite struct RunBoardTests {
    @Test func oneRunAtATimePerPipeline() {
        let board = RunBoard()
        #expect(board.start("a") != nil)
        #expect(board.start("a") == nil)
        #expect(board.start("b") != nil)
        #expect(board.activeCount == 2)
        board.finish("a")
        #expect(board.takeFinishedFlag())
        #expect(!board.takeFinishedFlag())
        #expect(board.start("a") != nil)
    }

    @Test func failedFilesAreRetriedAfterAGrowingDelay() {
        let board = RunBoard()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        #expect(board.mayTry("x.csv", now: t0))
        #expect(board.noteFailure("x.csv", now: t0) == 30)
        #expect(!board.mayTry("x.csv", now: t0.addingTimeInterval(29)))
        #expect(board.mayTry("x.csv", now: t0.addingTimeInterval(30)))
        #expect(board.mayTry("other.csv", now: t0))
        #expect(board.noteFailure("x.csv", now: t0) == 60)
        #expect(board.noteFailure("x.csv", now: t0) == 120)
        for _ in 0..<10 { _ = board.noteFailure("x.csv", now: t0) }
        #expect(board.noteFailure("x.csv", now: t0) == 900)
        board.noteDone("x.csv")
        #expect(board.mayTry("x.csv", now: t0))
        #expect(board.noteFailure("x.csv", now: t0) == 30)
    }

    @Test func cancelAllStopsEveryRunInProgress() {
        let board = RunBoard()
        let a = board.start("a"), b = board.start("b")
        board.cancelAll()
        #expect(a?.isCancelled == true && b?.isCancelled == true)
    }
}

@Suite struct FileMoveTests {
    @Test func moveWithoutReplacingNeverOverwrites() throws {
        let dir = TempDirectory("move")
        let source = dir.write("a.csv", "new")
        let target = dir.write("archive/a.csv", "old")
        #expect(throws: OutputError.self) { try FileSystem.moveWithoutReplacing(source, to: target) }
        #expect(dir.readText("archive/a.csv") == "old")
        #expect(dir.readText("a.csv") == "new")
        try FileSystem.moveWithoutReplacing(source, to: dir.path + "/archive/b.csv")
        #expect(dir.readText("archive/b.csv") == "new")
        #expect(!dir.exists("a.csv"))
    }

    @Test func aMissingSourceIsAnError() {
        let dir = TempDirectory("move")
        #expect(throws: OutputError.self) { try FileSystem.moveWithoutReplacing(dir.path + "/nope", to: dir.path + "/x") }
        #expect(!dir.exists("x"))
    }
}

@Suite struct LineLogHandlerTests {
    @Test func textValuesWithSpacesAreQuoted() {
        #expect(LineLogHandler.textValue("a.csv") == "a.csv")
        #expect(LineLogHandler.textValue("my file.csv") == "\"my file.csv\"")
        #expect(LineLogHandler.textValue("say \"hi\"\nnow") == "\"say \\\"hi\\\"\\nnow\"")
    }
}
