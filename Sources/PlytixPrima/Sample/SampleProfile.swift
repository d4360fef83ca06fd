/// What a parent and its variants share (category, brand, supplier, label, description),
/// drawn from one seed so the parent's data is rebuilt for each variant without storing text.
struct SampleProfile {
    let seed: UInt64
    let category: Int
    let brand: Int
    let supplier: Int
    let collection: Int?
    let adjective: Int?
    let material: Int
    let noun: Int
    /// A doubled space inside the label, so whitespace collapsing is exercised on valid rows.
    let doubleSpace: Bool
    let extraPaths: (first: Int?, second: Int?)
    let grams: Int
    let pence: Int
    let millimetres: (length: Int, width: Int, height: Int)
    let colourOffset: Int
    /// A GB origin written as the non-ISO `UK`, which the pipeline must normalise.
    let writesUK: Bool

    init(seed: UInt64, vocabulary: SampleVocabulary) {
        var rng = SplitMix64(seed: seed)
        self.seed = seed
        category = rng.below(vocabulary.categories.count)
        let details = vocabulary.categories[category]
        brand = rng.below(vocabulary.brands.count)
        supplier = rng.pick(vocabulary.supplierDraw)
        collection = rng.percent(6) ? rng.below(vocabulary.collections.count) : nil
        adjective = rng.percent(70) ? rng.below(vocabulary.adjectives.count) : nil
        material = rng.below(details.materials.count)
        noun = rng.below(details.nouns.count)
        doubleSpace = rng.percent(2)
        let hasFirst = rng.percent(60)
        let hasSecond = hasFirst && rng.percent(20)
        extraPaths = (hasFirst ? rng.below(3) : nil, hasSecond ? 3 + rng.below(vocabulary.secondaryPaths.count - 3) : nil)
        grams = rng.inRange(details.grams)
        pence = rng.inRange(details.pence) / 100 * 100 + rng.pick([99, 95, 0, 50])
        let length = rng.inRange(details.lengthMillimetres)
        let width = Swift.max(10, length * rng.inRange(20...100) / 100)
        millimetres = (length, width, rng.percent(5) ? 0 : Swift.max(5, width * rng.inRange(5...80) / 100))
        colourOffset = rng.below(vocabulary.colours.count)
        writesUK = vocabulary.suppliers[supplier].country == Array("GB".utf8) && rng.percent(25)
    }
}

extension SampleVocabulary {
    /// Longest base label in bytes: leaves room for the longest variant suffix (` – Sage Green, Superking`, 26 bytes).
    static let baseLabelLimit = 34

    /// Appends `[Collection] [Adjective] [Material] Noun`, dropping words from the left to stay within the limit.
    func appendLabel(_ profile: SampleProfile, to out: inout [UInt8]) {
        let details = categories[profile.category]
        var words: [[UInt8]] = []
        if let collection = profile.collection { words.append(collections[collection]) }
        if let adjective = profile.adjective { words.append(adjectives[adjective]) }
        words.append(details.materials[profile.material])
        words.append(details.nouns[profile.noun])
        var length = words.reduce(words.count - 1) { $0 + $1.count }
        while length > Self.baseLabelLimit {
            length -= words.removeFirst().count + 1
        }
        for (index, word) in words.enumerated() {
            if index > 0 {
                out.append(UInt8(ascii: " "))
                if index == 1 && profile.doubleSpace && length < Self.baseLabelLimit { out.append(UInt8(ascii: " ")) }
            }
            out.append(contentsOf: word)
        }
    }

    /// Pessimistic length of a description's stripped text: text bytes plus one per tag.
    /// Kept under Prima's 1000-character LongDescription limit whatever `descriptionBytes` asks for.
    static let descriptionTextBudget = 880

    /// Appends an HTML description of about `target` bytes. Text stops at the budget; the
    /// rest is embedded images, which strip to nothing, so the HTML can be long while the text fits.
    func appendDescription(_ profile: SampleProfile, target: Int, to out: inout [UInt8]) {
        guard target > 0 else { return }
        var rng = SplitMix64(seed: profile.seed ^ 0xD1B5_4A32_D192_ED03)
        let start = out.count
        var cost = 0
        func full() -> Bool { out.count - start >= target }
        // Room for `extra` text bytes, plus closing tags and a separator.
        func fits(_ extra: Int) -> Bool { cost + extra + 8 <= Self.descriptionTextBudget }
        let googleDocs = rng.percent(50)
        let newline: UInt8? = rng.percent(25) ? UInt8(ascii: "\n") : nil
        let details = categories[profile.category]

        // General copy in a fixed rotation from a random start, so no sentence repeats.
        var nextSentence = rng.below(sentences.count)
        func appendSentences(upTo count: Int, first: Bool = false) {
            for index in 0..<count {
                let sentence = sentences[nextSentence % sentences.count]
                guard !full(), fits(sentence.count + 1) else { return }
                nextSentence += 1
                if index > 0 || !first { out.append(UInt8(ascii: " ")) }
                out.append(contentsOf: sentence)
                cost += sentence.count + 1
            }
        }

        // Intro paragraph: one sentence about the product, then general copy.
        out.appendASCII(googleDocs ? "<p><span style=\"font-weight: 400;\">The " : "<p>The ")
        out.append(contentsOf: details.materials[profile.material])
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: details.nouns[profile.noun])
        out.append(UInt8(ascii: " "))
        let benefit = rng.pick(benefits)
        out.append(contentsOf: benefit)
        out.append(UInt8(ascii: "."))
        cost += 2 + 7 + details.materials[profile.material].count + details.nouns[profile.noun].count + benefit.count
        appendSentences(upTo: rng.inRange(1...4))
        out.appendASCII(googleDocs ? "</span></p>" : "</p>")
        cost += 2
        if let newline { out.append(newline); cost += 1 }

        // Feature list, consecutive entries so no feature repeats.
        if !full() && fits(40) {
            out.appendASCII("<ul>")
            cost += 2
            let first = rng.below(features.count)
            for offset in 0..<rng.inRange(3...6) {
                let feature = features[(first + offset) % features.count]
                guard !full(), fits(feature.count + 2) else { break }
                out.appendASCII("<li>")
                out.append(contentsOf: feature)
                out.appendASCII("</li>")
                cost += feature.count + 2
            }
            out.appendASCII("</ul>")
            if let newline { out.append(newline); cost += 1 }
        }

        let care = rng.pick(careNotes)
        if !full() && fits(care.count + 10) {
            out.appendASCII("<p><em>Care:</em> ")
            out.append(contentsOf: care)
            out.appendASCII("</p>")
            cost += care.count + 10
        }
        let note = rng.pick(fitNotes)
        if rng.percent(15) && !full() && fits(note.count + 2) {
            out.appendASCII("<p>")
            out.append(contentsOf: note)
            out.appendASCII("</p>")
            cost += note.count + 2
        }

        // More copy while both the size target and the text budget allow;
        // 100 exceeds the longest sentence, so each paragraph gets at least one.
        while !full() && fits(100) {
            out.appendASCII("<p>")
            appendSentences(upTo: rng.inRange(1...3), first: true)
            out.appendASCII("</p>")
            cost += 2
        }

        // Padding: consecutive image tags collapse to at most one space once stripped.
        var image = 1
        while !full() {
            out.appendASCII("<p><img src=\"https://cdn.example.com/plytix/assets/")
            out.appendHex(profile.seed)
            out.appendASCII("/detail-")
            out.appendDigits(image)
            out.appendASCII(".jpg\" alt=\"\" width=\"800\" height=\"800\"></p>")
            image += 1
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends 16 lower-case hex digits.
    mutating func appendHex(_ value: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { table in
            for shift in stride(from: 60, through: 0, by: -4) {
                append(table[Int((value >> UInt64(shift)) & 0xF)])
            }
        }
    }
}
