/// The words and reference data generated products are made of, encoded to UTF-8 once per export.
struct SampleVocabulary {
    struct Category {
        let path: [UInt8]
        let family: [UInt8]
        let nouns: [[UInt8]]
        let materials: [[UInt8]]
        /// A 10-digit commodity code; rows print it as 6, 8 or 10 digits in several styles.
        let hsCode: [UInt8]
        let grams: ClosedRange<Int>
        let pence: ClosedRange<Int>
        /// Longest side in millimetres.
        let lengthMillimetres: ClosedRange<Int>
        let sizes: Int // index into `sizeScales`
    }

    struct Supplier {
        let code: [UInt8]
        let country: [UInt8]
        let prefix: [UInt8]
        /// Relative frequency: most products come from GB, CN, DE and PT.
        let weight: Int
    }

    /// (display name, SKU code ≤ 4 characters).
    struct Option { let name: [UInt8]; let code: [UInt8] }

    let categories: [Category]
    let secondaryPaths: [[UInt8]]
    let brands: [[UInt8]]
    let suppliers: [Supplier]
    /// Supplier indices repeated by weight, so one `pick` draws with the right frequency.
    let supplierDraw: [Int]
    let adjectives: [[UInt8]]
    /// Collection names with non-ASCII letters, so labels exercise UTF-8 handling.
    let collections: [[UInt8]]
    let colours: [Option]
    let sizeScales: [[Option]]
    let benefits: [[UInt8]]
    let sentences: [[UInt8]]
    let features: [[UInt8]]
    let careNotes: [[UInt8]]
    /// Notes with raw `"` and `,`, so CSV quoting is exercised inside descriptions.
    let fitNotes: [[UInt8]]

    init() {
        func utf8(_ items: [String]) -> [[UInt8]] { items.map { Array($0.utf8) } }
        func category(
            _ path: String, _ family: String, _ nouns: [String], _ materials: [String], hs: String,
            grams: ClosedRange<Int>, pence: ClosedRange<Int>, length: ClosedRange<Int>, sizes: Int
        ) -> Category {
            Category(path: Array(path.utf8), family: Array(family.utf8), nouns: utf8(nouns),
                     materials: utf8(materials), hsCode: Array(hs.utf8), grams: grams, pence: pence,
                     lengthMillimetres: length, sizes: sizes)
        }
        categories = [
            category("Home>Bedding>Pillows", "Bedding", ["Pillow", "Bolster Pillow", "Side Sleeper Pillow", "Cushion Pad"],
                     ["Cotton", "Down-Alternative", "Bamboo", "Wool"], hs: "9404909000",
                     grams: 350...1500, pence: 1299...6999, length: 400...750, sizes: 2),
            category("Home>Bedding>Duvet Covers", "Bedding", ["Duvet Cover", "Duvet Set", "Quilt Cover"],
                     ["Percale", "Sateen", "Linen", "Brushed Cotton"], hs: "6302310090",
                     grams: 600...1800, pence: 2999...14999, length: 300...400, sizes: 1),
            category("Home>Bedding>Sheets", "Bedding", ["Fitted Sheet", "Flat Sheet", "Pillowcase Pair"],
                     ["Percale", "Sateen", "Linen", "Jersey"], hs: "6302210000",
                     grams: 300...1100, pence: 1499...7999, length: 250...350, sizes: 1),
            category("Bed & Bath>Towels", "Bath", ["Bath Towel", "Hand Towel", "Bath Sheet", "Guest Towel Set"],
                     ["Egyptian Cotton", "Waffle Cotton", "Turkish Cotton"], hs: "6302600000",
                     grams: 150...1200, pence: 899...4999, length: 300...1800, sizes: 2),
            category("Bed & Bath>Accessories", "Bath", ["Bath Mat", "Soap Dish", "Toothbrush Holder", "Shower Curtain"],
                     ["Stoneware", "Bamboo", "Cotton"], hs: "6912005000",
                     grams: 200...1500, pence: 699...3999, length: 100...1800, sizes: 2),
            category("Home>Kitchen>Cookware", "Kitchen", ["Saucepan", "Frying Pan", "Casserole Dish", "Stock Pot"],
                     ["Cast Iron", "Stainless Steel", "Enamelled Steel"], hs: "7323930000",
                     grams: 900...6500, pence: 2499...18999, length: 200...450, sizes: 2),
            category("Home>Kitchen>Utensils", "Kitchen", ["Spatula", "Ladle", "Salt & Pepper Mill", "Utensil Set"],
                     ["Beech", "Olive Wood", "Silicone", "Stainless Steel"], hs: "8215990000",
                     grams: 60...900, pence: 499...3999, length: 150...400, sizes: 2),
            category("Home>Kitchen>Tableware", "Kitchen", ["Dinner Plate", "Pasta Bowl", "Mug", "Serving Platter"],
                     ["Stoneware", "Porcelain", "Earthenware"], hs: "6912001000",
                     grams: 250...2500, pence: 599...4999, length: 90...450, sizes: 2),
            category("Home>Living>Lighting", "Lighting", ["Table Lamp", "Floor Lamp", "Pendant Shade", "Wall Light"],
                     ["Rattan", "Brass", "Linen", "Glass"], hs: "9405214000",
                     grams: 500...9000, pence: 2999...24999, length: 200...1600, sizes: 2),
            category("Home>Living>Rugs", "Living", ["Rug", "Runner", "Doormat"],
                     ["Jute", "Wool", "Recycled Cotton"], hs: "5702420000",
                     grams: 800...12000, pence: 1999...29999, length: 600...3000, sizes: 2),
            category("Home>Living>Candles", "Living", ["Scented Candle", "Pillar Candle", "Tealight Set"],
                     ["Soy Wax", "Beeswax", "Rapeseed Wax"], hs: "3406000000",
                     grams: 90...1400, pence: 399...4499, length: 50...200, sizes: 2),
            category("Garden>Outdoor Furniture>Chairs", "Garden", ["Folding Chair", "Lounger", "Bistro Chair"],
                     ["Acacia", "Teak", "Powder-Coated Steel"], hs: "9401790000",
                     grams: 3500...25000, pence: 4999...39999, length: 450...1900, sizes: 2),
            category("Garden>Planters", "Garden", ["Planter", "Plant Pot", "Window Box"],
                     ["Terracotta", "Fibreclay", "Galvanised Steel"], hs: "6914900000",
                     grams: 400...15000, pence: 799...8999, length: 120...900, sizes: 2),
            category("Clothing>Loungewear>Robes", "Apparel", ["Dressing Gown", "Bath Robe", "Lounge Set"],
                     ["Waffle Cotton", "Fleece", "Linen"], hs: "6208920000",
                     grams: 350...1400, pence: 2499...8999, length: 300...450, sizes: 0),
        ]
        secondaryPaths = utf8(["Collection>2026>AW26", "Collection>2026>SS26", "Collection>2025>AW25",
                               "Sale>Clearance", "Gifts>For the Home", "Bestsellers"])
        brands = utf8(["Northwind Home", "Hallé & Co", "Sørensen Living", "Oak & Ember", "Maison Lumière",
                       "Kettle Lane", "Bramble Street", "Tidewater", "Fenwick & Hart"])
        let suppliers = [
            Supplier(code: Array("LINENWORKS".utf8), country: Array("PT".utf8), prefix: Array("LW".utf8), weight: 3),
            Supplier(code: Array("OPORTO-TEXTEIS".utf8), country: Array("PT".utf8), prefix: Array("OT".utf8), weight: 2),
            Supplier(code: Array("HANGZHOU-HT".utf8), country: Array("CN".utf8), prefix: Array("HT".utf8), weight: 4),
            Supplier(code: Array("NINGBO-HOMEWARE".utf8), country: Array("CN".utf8), prefix: Array("NB".utf8), weight: 4),
            Supplier(code: Array("SHENZHEN-LUX".utf8), country: Array("CN".utf8), prefix: Array("SZ".utf8), weight: 2),
            Supplier(code: Array("KERAMIK-BW".utf8), country: Array("DE".utf8), prefix: Array("KB".utf8), weight: 2),
            Supplier(code: Array("RUHR-METALL".utf8), country: Array("DE".utf8), prefix: Array("RM".utf8), weight: 2),
            Supplier(code: Array("MIDLANDS-TIN".utf8), country: Array("GB".utf8), prefix: Array("MT".utf8), weight: 4),
            Supplier(code: Array("YORKSHIRE-WOOL".utf8), country: Array("GB".utf8), prefix: Array("YW".utf8), weight: 4),
            Supplier(code: Array("LANCS-COTTON".utf8), country: Array("GB".utf8), prefix: Array("LC".utf8), weight: 3),
            Supplier(code: Array("ANATOLIA-TEX".utf8), country: Array("TR".utf8), prefix: Array("AT".utf8), weight: 1),
            Supplier(code: Array("JAIPUR-WEAVE".utf8), country: Array("IN".utf8), prefix: Array("JW".utf8), weight: 1),
            Supplier(code: Array("HANOI-CRAFT".utf8), country: Array("VN".utf8), prefix: Array("HC".utf8), weight: 1),
            Supplier(code: Array("TOSCANA-VETRI".utf8), country: Array("IT".utf8), prefix: Array("TV".utf8), weight: 1),
        ]
        self.suppliers = suppliers
        supplierDraw = suppliers.indices.flatMap { index in Array(repeating: index, count: suppliers[index].weight) }
        adjectives = utf8(["Classic", "Organic", "Soft-Touch", "Premium", "Everyday", "Heritage", "Coastal",
                           "Nordic", "Rustic", "Luxury", "Essential", "Hand-Woven", "Relaxed", "Stonewashed"])
        collections = utf8(["Bjørn", "Crème", "Zürich", "Élise", "Søren", "Café", "Málaga", "Ærø"])
        func option(_ name: String, _ code: String) -> Option { Option(name: Array(name.utf8), code: Array(code.utf8)) }
        colours = [option("Red", "RED"), option("Navy Blue", "NAVY"), option("Sage Green", "SAGE"),
                   option("Charcoal", "CHAR"), option("White", "WHT"), option("Oatmeal", "OAT"),
                   option("Terracotta", "TERR"), option("Blush Pink", "BLSH")]
        sizeScales = [
            [option("XS", "XS"), option("S", "S"), option("M", "M"), option("L", "L"), option("XL", "XL"), option("XXL", "XXL")],
            [option("Single", "SGL"), option("Double", "DBL"), option("King", "KNG"), option("Superking", "SKG")],
            [option("Small", "S"), option("Medium", "M"), option("Large", "L")],
        ]
        benefits = utf8([
            "brings a relaxed, lived-in feel to any room",
            "is finished by hand in small batches",
            "softens beautifully with every wash",
            "is built for years of everyday use",
            "pairs well with the rest of the collection",
            "was developed with our partner workshop over two seasons",
            "adds warmth &amp; texture without fuss",
        ])
        sentences = utf8([
            "Every piece is checked by hand before it leaves the workshop.",
            "Colours may vary slightly from the images shown, as each batch is dyed separately.",
            "We use recycled packaging wherever we can, and plastic-free wherever possible.",
            "Inspired by the cafés of Lisbon and the markets of Porto.",
            "Designed in the UK &amp; made by people we know by name.",
            "Part of our core range, so you can add to it season after season.",
            "Sized generously, with a relaxed fit that works for most rooms.",
            "Natural materials mean small irregularities: they are part of the charm.",
            "Easy to care for, hard to wear out.",
            "Looks just as good on a Sunday morning as it does on a weeknight.",
            "Our designers tested over forty samples before settling on this one.",
            "Pair it with matching pieces from the same collection for a finished look.",
            "Delivered in a reusable cotton bag, ready to give as a gift.",
            "Made without harmful dyes, bleaches or finishes.",
            "A quiet, timeless design that won&#8217;t date.",
            "Each one is slightly different, which is what makes it yours.",
            "Tried, tested and loved by our customers since&nbsp;2019.",
            "Built to the same standard we expect in our own homes.",
        ])
        features = utf8([
            "Oeko-Tex Standard 100 certified",
            "Machine washable at 40&nbsp;°C",
            "Tumble dry low &amp; iron on medium heat",
            "Hidden zip closure",
            "Double-stitched seams for durability",
            "Dishwasher &amp; oven safe up to 220&nbsp;°C",
            "Suitable for all hob types, including induction",
            "Pre-washed for a soft, relaxed finish",
            "Hypoallergenic filling, suitable for allergy sufferers",
            "Fade-resistant colours",
            "Weatherproof finish for year-round use",
            "Supplied fully assembled",
            "Each piece is unique; size and shade may vary",
            "Gift box included",
            "Burn time approx. 40&nbsp;hours",
            "E27 fitting, bulb not included",
            "Non-slip backing",
            "Lead-free glaze",
            "Made from 30% recycled materials",
            "Designed in London, made in Portugal",
            "Comes with a 2-year guarantee",
            "Packaging is 100% plastic-free",
            "Fits standard 20&quot; x 30&quot; pillows",
        ])
        careNotes = utf8([
            "Wash separately before first use.",
            "Wipe clean with a damp cloth and dry immediately.",
            "Hand wash only; do not soak.",
            "Keep away from direct heat &amp; naked flames.",
        ])
        fitNotes = utf8([
            "Measures 24\" x 16\", so it fits most standard drawers.",
            "Fits a standard 20\" x 30\" pillow, with room to spare.",
            "Suits tables up to 60\" long; see the size guide for details.",
        ])
    }
}
