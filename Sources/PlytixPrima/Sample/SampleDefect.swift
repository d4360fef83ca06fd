/// The ways a generated row is broken on purpose. Each trips exactly one pipeline rule,
/// and rows are given kinds in this order, cycling, so small exports still show many kinds.
public enum SampleDefect: String, CaseIterable, Sendable, Codable {
    /// `SKU` empty (required).
    case missingSKU = "missing_sku"
    /// `SKU` of 26 allowed characters (over 20).
    case skuTooLong = "sku_too_long"
    /// `SKU` like `PX 0001234` (pattern).
    case skuWithSpace = "sku_with_space"
    /// `Label` empty (required).
    case missingLabel = "missing_label"
    /// `Label` over 60 characters after whitespace is collapsed.
    case labelTooLong = "label_too_long"
    /// `GTIN` of 13 digits whose check digit is wrong.
    case gtinBadCheckDigit = "gtin_bad_check_digit"
    /// `GTIN` mangled by a spreadsheet: `5.01234E+12`.
    case gtinScientificNotation = "gtin_scientific_notation"
    /// `HS Code` empty (required).
    case missingHSCode = "missing_hs_code"
    /// `HS Code` of 7 digits (must be 6, 8 or 10).
    case hsCodeSevenDigits = "hs_code_seven_digits"
    /// `Country of Origin` is `XX`.
    case badCountry = "bad_country"
    /// `Weight (kg)` empty (required).
    case missingWeight = "missing_weight"
    /// `Weight (kg)` negative, e.g. `-0.35` (also a cell starting with `-`).
    case negativeWeight = "negative_weight"
    /// `Weight (kg)` is `heavy`.
    case nonNumericWeight = "non_numeric_weight"
    /// `Supplier Code` empty (required).
    case missingSupplierCode = "missing_supplier_code"
    /// `Thumbnail` is an `ftp://` URL.
    case ftpThumbnail = "ftp_thumbnail"
    /// `Label` is `=HYPERLINK(...)` and over 60 characters: rejected, and its value must be
    /// neutralised when written to the reject file.
    case formulaLabel = "formula_label"
    /// Two rows share a fresh SKU (otherwise valid, different data): both are rejected and counted.
    case duplicateSKU = "duplicate_sku"
}
