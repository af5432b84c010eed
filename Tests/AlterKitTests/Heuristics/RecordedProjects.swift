import AlterKit
import AlterTestSupport
import Foundation

/// The recorded real `/pypi/NAME/json` responses of `Tests/Fixtures/pypi-json/`, and the day they were recorded.
enum Recorded {
    /// 2026-11-26T12:00:00Z, the recording day.
    static let now = Date(timeIntervalSince1970: 1_795_694_400)
    static let clock = FixedClock(now)

    static func project(_ name: String) throws -> PyPIProject {
        try PyPIProject.decode(Data(contentsOf: TestPaths.pypiJSON(name)))
    }

    static let index: TyposquatIndex = try! TyposquatIndex.bundled()

    /// The factor input for `name` at `version` (latest when nil), with the recorded project.
    static func input(
        _ name: String, version: String? = nil, provenance: [ProvenanceCheck] = [], internalNames: Set<String> = []
    ) throws -> FactorInput {
        FactorInput(
            dependency: Dependency(name: name, version: version), metadata: .success(.found(try project(name))),
            typosquat: index.check(name), provenance: provenance, internalPackages: internalNames, now: now)
    }

    static let small = [
        "birm", "x-bone", "vibemyexpt-lsl", "victron-energy-meter-modbus", "viewo-legal",
        "advexp-configuration-cloud",
    ]
    static let popular = ["requests", "django", "flask", "numpy", "pip", "attrs", "click", "urllib3"]
}
