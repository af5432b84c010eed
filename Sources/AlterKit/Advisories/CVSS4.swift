/// CVSS v4.0 (`cvss4.py` of the Python `cvss` library, itself a port of FIRST's calculator): the score of the
/// vector's macro vector from the specification's table, lowered by the mean severity distance of the vector from
/// the highest-severity vectors of that macro vector. Binary floating point, in the library's order of operations.
enum CVSS4 {
    static let mandatory = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"]
    static let allowed: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "AT": ["N", "P"], "PR": ["N", "L", "H"], "UI": ["N", "P", "A"],
        "VC": ["H", "L", "N"], "VI": ["H", "L", "N"], "VA": ["H", "L", "N"], "SC": ["H", "L", "N"],
        "SI": ["H", "L", "N"], "SA": ["H", "L", "N"], "E": ["X", "A", "P", "U"], "CR": ["X", "H", "M", "L"],
        "IR": ["X", "H", "M", "L"], "AR": ["X", "H", "M", "L"], "MAV": ["X", "N", "A", "L", "P"],
        "MAC": ["X", "L", "H"], "MAT": ["X", "N", "P"], "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "P", "A"],
        "MVC": ["X", "H", "L", "N"], "MVI": ["X", "H", "L", "N"], "MVA": ["X", "H", "L", "N"],
        "MSC": ["X", "H", "L", "N"], "MSI": ["X", "S", "H", "L", "N"], "MSA": ["X", "S", "H", "L", "N"],
        "S": ["X", "N", "P"], "AU": ["X", "N", "Y"], "R": ["X", "A", "U", "I"], "V": ["X", "D", "C"],
        "RE": ["X", "L", "M", "H"], "U": ["X", "Clear", "Green", "Amber", "Red"],
    ]

    static func score(_ vector: String, _ bytes: [UInt8]) throws(CVSSError) -> CVSSScore {
        guard bytes.starts(with: "CVSS:4.0/".utf8) else {
            throw .malformed(vector: vector, reason: "unsupported CVSS version (expected CVSS:4.0/)")
        }
        let fields = try CVSS.fields(vector, bytes)
        var metrics = try CVSS.metrics(vector, fields: fields.dropFirst(), allowed: allowed)
        try CVSS.requireMandatory(vector, metrics, mandatory)
        // add_missing_optional: modified metrics default to the base ones, the rest to X.
        for modified in ["MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"]
        where metrics[modified] == nil || metrics[modified] == "X" {
            metrics[modified] = metrics[String(modified.dropFirst())]
        }
        for optional in ["S", "AU", "R", "V", "RE", "U", "CR", "IR", "AR", "E"] where metrics[optional] == nil {
            metrics[optional] = "X"
        }
        let score = baseScore(Metrics(values: metrics))
        return CVSSScore(version: .v4_0, baseScore: score, rating: CVSS3.rating(score))
    }

    /// The library's `m()`: the effective value of a metric (modified value when set, worst-case defaults).
    struct Metrics {
        var values: [String: String]

        func callAsFunction(_ metric: String) -> String {
            let selected = values[metric] ?? ""
            if selected == "X" {
                if metric == "E" { return "A" }
                if metric == "CR" || metric == "IR" || metric == "AR" { return "H" }
            }
            if let modified = values["M" + metric], modified != "X" { return modified }
            return selected
        }
    }

    /// The six EQ digits of the vector's macro vector.
    static func macroVector(_ m: Metrics) -> [Int] {
        let (av, pr, ui) = (m("AV"), m("PR"), m("UI"))
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" {
            eq1 = 0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        let eq2 = m("AC") == "L" && m("AT") == "N" ? 0 : 1
        let (vc, vi, va) = (m("VC"), m("VI"), m("VA"))
        let eq3: Int
        if vc == "H" && vi == "H" {
            eq3 = 0
        } else if vc == "H" || vi == "H" || va == "H" {
            eq3 = 1
        } else {
            eq3 = 2
        }
        let eq4: Int
        if m("MSI") == "S" || m("MSA") == "S" {
            eq4 = 0
        } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
            eq4 = 1
        } else {
            eq4 = 2
        }
        let eq5 = ["A": 0, "P": 1, "U": 2][m("E")]!
        let eq6 =
            (m("CR") == "H" && vc == "H") || (m("IR") == "H" && vi == "H") || (m("AR") == "H" && va == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// Index of a macro vector in `macroVectorTable`; `nil` when a digit is out of range.
    static func tableIndex(_ digits: [Int]) -> Int? {
        let limits = [3, 2, 3, 3, 3, 2]
        var index = 0
        for (digit, limit) in zip(digits, limits) {
            guard digit < limit else { return nil }
            index = index * limit + digit
        }
        return index
    }

    /// `macroVectorScores` as a flat array (NaN where the table has no entry, as the library's `.get(…, nan)`).
    static let macroVectorTable: [Double] = {
        var table = [Double](repeating: .nan, count: 3 * 2 * 3 * 3 * 3 * 2)
        for (key, score) in macroVectorScores {
            table[tableIndex(key.utf8.map { Int($0) - 48 })!] = score
        }
        return table
    }()

    static func macroScore(_ digits: [Int]) -> Double { tableIndex(digits).map { macroVectorTable[$0] } ?? .nan }

    /// The metrics whose severity distance is measured, in the library's order, and each one's level per value.
    static let distanceMetrics = ["AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"]
    static let levels: [[String: Double]] = [
        ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3], ["N": 0.0, "L": 0.1, "H": 0.2], ["N": 0.0, "P": 0.1, "A": 0.2],
        ["L": 0.0, "H": 0.1], ["N": 0.0, "P": 0.1], ["H": 0.0, "L": 0.1, "N": 0.2], ["H": 0.0, "L": 0.1, "N": 0.2],
        ["H": 0.0, "L": 0.1, "N": 0.2], ["H": 0.1, "L": 0.2, "N": 0.3], ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3], ["H": 0.0, "M": 0.1, "L": 0.2], ["H": 0.0, "M": 0.1, "L": 0.2],
        ["H": 0.0, "M": 0.1, "L": 0.2],
    ]

    /// A part of a highest-severity reference vector (`AV:N/PR:N/UI:N/`) as (metric index, level) pairs.
    typealias ReferencePart = [(metric: Int, level: Double)]

    static func referencePart(_ text: String) -> ReferencePart {
        text.split(separator: "/").map { field in
            let parts = field.split(separator: ":").map(String.init)
            let metric = distanceMetrics.firstIndex(of: parts[0])!
            return (metric, levels[metric][parts[1]]!)
        }
    }

    static let referenceParts = (
        eq1: maxComposed.eq1.map { $0.map(referencePart) }, eq2: maxComposed.eq2.map { $0.map(referencePart) },
        eq3: maxComposed.eq3.mapValues { $0.mapValues { $0.map(referencePart) } },
        eq4: maxComposed.eq4.map { $0.map(referencePart) }
    )

    static func baseScore(_ m: Metrics) -> Double {
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ m($0) == "N" }) { return 0.0 }
        let eq = macroVector(m)
        var value = macroVectorTable[tableIndex(eq)!]

        func lower(_ change: (inout [Int]) -> Void) -> Double {
            var digits = eq
            change(&digits)
            return macroScore(digits)
        }
        let eq1NextLower = lower { $0[0] += 1 }
        let eq2NextLower = lower { $0[1] += 1 }
        let eq3eq6NextLower: Double
        switch (eq[2], eq[5]) {
        case (1, 1), (0, 1): eq3eq6NextLower = lower { $0[2] += 1 }
        case (1, 0): eq3eq6NextLower = lower { $0[5] += 1 }
        case (0, 0):
            // Python's max() of two floats: the first unless the second is greater (NaN never is).
            let left = lower { $0[5] += 1 }
            let right = lower { $0[2] += 1 }
            eq3eq6NextLower = right > left ? right : left
        default:
            eq3eq6NextLower = lower {
                $0[2] += 1; $0[5] += 1
            }
        }
        let eq4NextLower = lower { $0[3] += 1 }
        let eq5NextLower = lower { $0[4] += 1 }

        // The highest-severity vectors of this macro vector (every combination of the EQ parts, EQ1 outermost;
        // EQ5 has one per level and no distance metric); the first one the vector is not more severe than (every
        // distance >= 0) is the reference, else the last one tried.
        let current = distanceMetrics.indices.map { levels[$0][m(distanceMetrics[$0])]! }
        var d = [Double](repeating: 0, count: distanceMetrics.count)
        search: for eq1Max in referenceParts.eq1[eq[0]] {
            for eq2Max in referenceParts.eq2[eq[1]] {
                for eq3eq6Max in referenceParts.eq3[eq[2]]![eq[5]]! {
                    for eq4Max in referenceParts.eq4[eq[3]] {
                        for part in [eq1Max, eq2Max, eq3eq6Max, eq4Max] {
                            for (metric, level) in part { d[metric] = current[metric] - level }
                        }
                        if !d.contains(where: { $0 < 0 }) { break search }
                    }
                }
            }
        }
        let currentDistance = [
            d[0] + d[1] + d[2],  // AV + PR + UI
            d[3] + d[4],  // AC + AT
            d[5] + d[6] + d[7] + d[11] + d[12] + d[13],  // VC + VI + VA + CR + IR + AR
            d[8] + d[9] + d[10],  // SC + SI + SA
        ]
        let step = 0.1
        let maxSeverity = [
            Double(maxSeverityEq1[eq[0]]) * step, Double(maxSeverityEq2[eq[1]]) * step,
            Double(maxSeverityEq3eq6[eq[2]]![eq[5]]!) * step, Double(maxSeverityEq4[eq[3]]) * step,
        ]
        let available = [
            value - eq1NextLower, value - eq2NextLower, value - eq3eq6NextLower, value - eq4NextLower,
            value - eq5NextLower,
        ]
        var existingLower = 0
        var normalized = [0.0, 0.0, 0.0, 0.0, 0.0]
        for index in 0..<5 where available[index] >= 0 {
            existingLower += 1
            // EQ5 has no distance within a macro vector: its percentage is 0.
            let percent = index < 4 ? currentDistance[index] / maxSeverity[index] : 0
            normalized[index] = available[index] * percent
        }
        let meanDistance =
            existingLower == 0
            ? 0
            : (normalized[0] + normalized[1] + normalized[2] + normalized[3] + normalized[4]) / Double(existingLower)
        value -= meanDistance
        value = max(0.0, value)
        value = min(10.0, value)
        return roundHalfUp(value + 1e-6)
    }

    /// `float(Decimal(x).quantize(Decimal("0.1"), ROUND_HALF_UP))` for 0 <= x <= 11: exact on the binary value.
    static func roundHalfUp(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        // x = mantissa * 2^-shift exactly; tenths = floor(x * 10 + 1/2) in integer arithmetic.
        let mantissa = UInt64(x.significandBitPattern) | (1 << 52)
        let shift = 52 - Int(x.exponent)
        guard shift > 0 else { return x }
        if shift > 60 { return 0 }  // x < 2^-8 rounds to 0.0
        let tenths = (mantissa * 10 + (1 << (shift - 1))) >> shift
        return Double(tenths) / 10
    }

    // MARK: Tables (`constants4.py`, from the CVSS v4.0 specification)

    static let maxSeverityEq1 = [1, 4, 5]
    static let maxSeverityEq2 = [1, 2]
    static let maxSeverityEq3eq6: [Int: [Int: Int]] = [0: [0: 7, 1: 6], 1: [0: 8, 1: 8], 2: [1: 10]]
    static let maxSeverityEq4 = [6, 5, 4]

    /// The highest-severity vectors of each EQ level.
    static let maxComposed = (
        eq1: [
            ["AV:N/PR:N/UI:N/"], ["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
            ["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"],
        ],
        eq2: [["AC:L/AT:N/"], ["AC:H/AT:N/", "AC:L/AT:P/"]],
        eq3: [
            0: [
                0: ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
                1: ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"],
            ],
            1: [
                0: ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"],
                1: [
                    "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/",
                    "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/",
                    "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/",
                ],
            ],
            2: [1: ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"]],
        ] as [Int: [Int: [String]]],
        eq4: [["SC:H/SI:S/SA:S/"], ["SC:H/SI:H/SA:H/"], ["SC:L/SI:L/SA:L/"]]
    )

    /// The score of each macro vector (`CVSS_LOOKUP_GLOBAL`), keyed by its six EQ digits.
    static let macroVectorScores: [String: Double] = [
        "000000": 10.0, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2,
        "000100": 10.0, "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1,
        "000200": 9.3, "000201": 9.0, "000210": 8.9, "000211": 8.0, "000220": 8.1, "000221": 6.8,
        "001000": 9.8, "001001": 9.5, "001010": 9.5, "001011": 9.2, "001020": 9.0, "001021": 8.4,
        "001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1, "001120": 8.1, "001121": 6.5,
        "001200": 8.8, "001201": 8.0, "001210": 7.8, "001211": 7.0, "001220": 6.9, "001221": 4.8,
        "002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5.0,
        "002201": 6.9, "002211": 5.5, "002221": 2.7, "010000": 9.9, "010001": 9.7, "010010": 9.5,
        "010011": 9.2, "010020": 9.2, "010021": 8.5, "010100": 9.5, "010101": 9.1, "010110": 9.0,
        "010111": 8.3, "010120": 8.4, "010121": 7.1, "010200": 9.2, "010201": 8.1, "010210": 8.2,
        "010211": 7.1, "010220": 7.2, "010221": 5.3, "011000": 9.5, "011001": 9.3, "011010": 9.2,
        "011011": 8.5, "011020": 8.5, "011021": 7.3, "011100": 9.2, "011101": 8.2, "011110": 8.0,
        "011111": 7.2, "011120": 7.0, "011121": 5.9, "011200": 8.4, "011201": 7.0, "011210": 7.1,
        "011211": 5.2, "011220": 5.0, "011221": 3.0, "012001": 8.6, "012011": 7.5, "012021": 5.2,
        "012101": 7.1, "012111": 5.2, "012121": 2.9, "012201": 6.3, "012211": 2.9, "012221": 1.7,
        "100000": 9.8, "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1,
        "100100": 9.4, "100101": 8.9, "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4,
        "100200": 8.7, "100201": 7.5, "100210": 7.4, "100211": 6.3, "100220": 6.3, "100221": 4.9,
        "101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7, "101020": 7.6, "101021": 6.7,
        "101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9, "101121": 5.0,
        "101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
        "102001": 8.3, "102011": 7.0, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6,
        "102201": 5.3, "102211": 2.1, "102221": 1.3, "110000": 9.5, "110001": 9.0, "110010": 8.8,
        "110011": 7.6, "110020": 7.6, "110021": 7.0, "110100": 9.0, "110101": 7.7, "110110": 7.5,
        "110111": 6.2, "110120": 6.1, "110121": 5.3, "110200": 7.7, "110201": 6.6, "110210": 6.8,
        "110211": 5.9, "110220": 5.2, "110221": 3.0, "111000": 8.9, "111001": 7.8, "111010": 7.6,
        "111011": 6.7, "111020": 6.2, "111021": 5.8, "111100": 7.4, "111101": 5.9, "111110": 5.7,
        "111111": 5.7, "111120": 4.7, "111121": 2.3, "111200": 6.1, "111201": 5.2, "111210": 5.7,
        "111211": 2.9, "111220": 2.4, "111221": 1.6, "112001": 7.1, "112011": 5.9, "112021": 3.0,
        "112101": 5.8, "112111": 2.6, "112121": 1.5, "112201": 2.3, "112211": 1.3, "112221": 0.6,
        "200000": 9.3, "200001": 8.7, "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8,
        "200100": 8.6, "200101": 7.4, "200110": 7.4, "200111": 6.1, "200120": 5.6, "200121": 3.4,
        "200200": 7.0, "200201": 5.4, "200210": 5.2, "200211": 4.0, "200220": 4.0, "200221": 2.2,
        "201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2, "201021": 5.1,
        "201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
        "201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8,
        "202001": 6.4, "202011": 5.1, "202021": 2.0, "202101": 4.7, "202111": 2.1, "202121": 1.1,
        "202201": 2.4, "202211": 0.9, "202221": 0.4, "210000": 8.8, "210001": 7.5, "210010": 7.3,
        "210011": 5.3, "210020": 6.0, "210021": 5.0, "210100": 7.3, "210101": 5.5, "210110": 5.9,
        "210111": 4.0, "210120": 4.1, "210121": 2.0, "210200": 5.4, "210201": 4.3, "210210": 4.5,
        "210211": 2.2, "210220": 2.0, "210221": 1.1, "211000": 7.5, "211001": 5.5, "211010": 5.8,
        "211011": 4.5, "211020": 4.0, "211021": 2.1, "211100": 6.1, "211101": 5.1, "211110": 4.8,
        "211111": 1.8, "211120": 2.0, "211121": 0.9, "211200": 4.6, "211201": 1.8, "211210": 1.7,
        "211211": 0.7, "211220": 0.8, "211221": 0.2, "212001": 5.3, "212011": 2.4, "212021": 1.4,
        "212101": 2.4, "212111": 1.2, "212121": 0.5, "212201": 1.0, "212211": 0.3, "212221": 0.1,
    ]
}
