/// Whether two pipelines could take the same Prima reference file, decided from their
/// configuration alone (same reference folder, patterns that some file name matches both),
/// so `run` and `watch` refuse the pair when the pipelines load, before any file is there.
enum ReferencePatternOverlap {
    /// A configuration error for `pipeline` when it and `other` share a reference file name.
    static func conflict(_ pipeline: PipelineConfig, with other: PipelineConfig) -> ConfigError? {
        guard ReferenceFileIntake.takesReferences(pipeline), ReferenceFileIntake.takesReferences(other) else { return nil }
        let mine = pipeline.finance.reference, theirs = other.finance.reference
        guard mine.folder == theirs.folder else { return nil }
        let minePatterns = mine.priceListPatterns + mine.vatCodePatterns
        let theirPatterns = theirs.priceListPatterns + theirs.vatCodePatterns
        for a in minePatterns {
            for b in theirPatterns where patternsOverlap(a, b) {
                return ConfigError(
                    file: pipeline.path, key: "finance.reference", line: nil,
                    message: "the Prima reference pattern '\(a)' in inbox/\(mine.folder)/ can match the same file as '\(b)' of pipeline '\(other.name)' (\(other.path)); a reference file must belong to one pipeline: give them different 'finance.reference' folders or patterns")
            }
        }
        return nil
    }

    /// The first conflict among `pipelines`, reported on the later one.
    static func firstConflict(in pipelines: [PipelineConfig]) -> ConfigError? {
        for (index, pipeline) in pipelines.enumerated() {
            for earlier in pipelines[..<index] {
                if let conflict = conflict(pipeline, with: earlier) { return conflict }
            }
        }
        return nil
    }

    /// One element of an `fnmatch` pattern: `*`, or one character (literal, `?` or `[...]`).
    private enum Token {
        case star
        case one((Unicode.Scalar) -> Bool)
    }

    /// Whether some name matches both `fnmatch` patterns (`*`, `?`, `[...]`, `\` escapes).
    static func patternsOverlap(_ a: String, _ b: String) -> Bool {
        let (left, leftScalars) = tokens(a), (right, rightScalars) = tokens(b)
        // A one-character token is constant between the scalars the patterns name: these
        // candidates (each named scalar, its neighbours, and extremes) stand for every scalar.
        var candidates: Set<UInt32> = [1, 0x10FFFF]
        for scalar in leftScalars + rightScalars {
            candidates.insert(scalar.value)
            candidates.insert(scalar.value + 1)
            if scalar.value > 1 { candidates.insert(scalar.value - 1) }
        }
        let probes = candidates.compactMap(Unicode.Scalar.init)
        func compatible(_ x: (Unicode.Scalar) -> Bool, _ y: (Unicode.Scalar) -> Bool) -> Bool {
            probes.contains { x($0) && y($0) }
        }
        // meets[i][j]: the rests left[i...] and right[j...] share a name.
        var meets = Array(repeating: Array(repeating: false, count: right.count + 1), count: left.count + 1)
        for i in stride(from: left.count, through: 0, by: -1) {
            for j in stride(from: right.count, through: 0, by: -1) {
                let result: Bool
                switch (i < left.count ? left[i] : nil, j < right.count ? right[j] : nil) {
                case (nil, nil): result = true
                case (.star?, _): result = meets[i + 1][j] || (j < right.count && meets[i][j + 1])
                case (_, .star?): result = meets[i][j + 1] || (i < left.count && meets[i + 1][j])
                case (.one(let x)?, .one(let y)?): result = compatible(x, y) && meets[i + 1][j + 1]
                default: result = false
                }
                meets[i][j] = result
            }
        }
        return meets[0][0]
    }

    /// The pattern's tokens and every scalar it names (literals and class bounds).
    private static func tokens(_ pattern: String) -> ([Token], [Unicode.Scalar]) {
        let scalars = Array(pattern.unicodeScalars)
        var tokens: [Token] = [], named: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                tokens.append(.star)
                index += 1
            case "?":
                tokens.append(.one { _ in true })
                index += 1
            case "[":
                if let (test, bounds, next) = bracket(scalars, from: index) {
                    tokens.append(.one(test))
                    named += bounds
                    index = next
                } else {
                    tokens.append(.one { $0 == "[" })
                    named.append("[")
                    index += 1
                }
            case "\\" where index + 1 < scalars.count:
                let literal = scalars[index + 1]
                tokens.append(.one { $0 == literal })
                named.append(literal)
                index += 2
            default:
                tokens.append(.one { $0 == scalar })
                named.append(scalar)
                index += 1
            }
        }
        return (tokens, named)
    }

    /// `[abc]`, `[a-z]`, `[!0-9]` (or `[^…]`); `nil` when unterminated (then `[` is a literal).
    private static func bracket(_ scalars: [Unicode.Scalar], from start: Int) -> (((Unicode.Scalar) -> Bool), [Unicode.Scalar], Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while index < scalars.count, first || scalars[index] != "]" {
            first = false
            var low = scalars[index]
            if low == "\\", index + 1 < scalars.count {
                index += 1
                low = scalars[index]
            }
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                let high = scalars[index + 2]
                if low.value <= high.value { ranges.append(low.value...high.value) }
                index += 3
            } else {
                ranges.append(low.value...low.value)
                index += 1
            }
        }
        guard index < scalars.count else { return nil }
        let bounds = ranges.flatMap { [$0.lowerBound, $0.upperBound] }.compactMap(Unicode.Scalar.init)
        let test: (Unicode.Scalar) -> Bool = { scalar in ranges.contains { $0.contains(scalar.value) } != negated }
        return (test, bounds, index + 1)
    }
}
