import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

@Suite struct PyProjectTests {
    static func parse(_ name: String, diagnostics: any DiagnosticSink = NullDiagnostics()) throws(InventoryError)
        -> Inventory
    {
        try InventoryFixtures.parse("pyproject", name, as: .pyproject, diagnostics: diagnostics)
    }

    @Test(arguments: ["empty.toml", "no-dependencies.toml"])
    func nothingDeclared(name: String) throws {
        let inventory = try Self.parse(name)
        #expect(inventory.dependencies.isEmpty && inventory.skipped.isEmpty)
    }

    @Test func pep621DependenciesAndExtras() throws {
        let deps = try Self.parse("pep621.toml").dependencies
        #expect(
            InventoryFixtures.pins(deps) == [
                "requests", "click==8.1.7", "tomli", "rich", "pip", "pytest==8.0.0", "coverage", "sphinx",
            ])
        #expect(deps.map { $0.location?.line } == [10, 11, 12, 13, 14, 18, 18, 20])
        #expect(deps[0].specifier == ">=2.31")
        #expect(deps[2].marker == "python_version < \"3.11\"")
        #expect(deps[3].extras == ["jupyter"] && deps[3].specifier == "~=13.7")
        #expect(deps[4].url == "https://github.com/pypa/pip/archive/22.0.2.zip")
        #expect(deps.allSatisfy { $0.direct == true })
    }

    @Test func inlineOptionalDependencies() throws {
        let deps = try Self.parse("optional-inline.toml").dependencies
        #expect(InventoryFixtures.pins(deps) == ["attrs==23.2.0", "orjson", "uvloop==0.19.0", "orjson"])
        #expect(deps.map { $0.location?.line } == [4, 5, 5, 5])
    }

    @Test func dependencyGroupsListEachEntryOnce() throws {
        let deps = try Self.parse("dependency-groups.toml").dependencies
        #expect(
            InventoryFixtures.pins(deps) == [
                "httpx==0.27.0", "pytest==8.0.0", "pytest-cov", "mypy==1.8.0", "ruff==0.3.0",
            ])
        #expect(deps.map { $0.location?.line } == [4, 7, 7, 8, 12])
    }

    @Test func poetryConstraintsBecomePEP440() throws {
        let inventory = try Self.parse("poetry.toml")
        let byName = Dictionary(grouping: inventory.dependencies, by: \.name)
        #expect(byName["python"] == nil)
        #expect(byName["requests"]?.first?.specifier == ">=2.31.0,<3.0.0")
        #expect(byName["django"]?.first?.specifier == ">=4.2,<4.3.0")
        #expect(byName["numpy"]?.first?.version == "1.26.4")
        #expect(byName["click"]?.first?.specifier == "")
        #expect(byName["attrs"]?.first?.specifier == ">=22.1,<24")
        #expect(byName["urllib3"]?.first?.specifier == ">=1.26,<3")
        #expect(byName["zeroes"]?.first?.specifier == ">=0.0.3,<0.0.4")
        #expect(byName["minor"]?.first?.specifier == ">=0.2,<0.3.0")
        let pendulum = try #require(byName["pendulum"]?.first)
        #expect(pendulum.specifier == ">=3.0,<4.0.0" && pendulum.extras == ["test"])
        #expect(pendulum.marker == "python_version >= \"3.9\"")
        #expect(byName["flask"]?.first?.url == "git+https://github.com/pallets/flask.git@3.0.0")
        #expect(byName["wheelpkg"]?.first?.url == "https://example.com/wheelpkg-1.0-py3-none-any.whl")
        #expect(byName["multi"]?.map(\.specifier) == ["<=1.9", ">=2.0,<3.0.0"])
        #expect(byName["tox"]?.first?.specifier == ">=4,<5.0.0")
        #expect(byName["pytest"]?.first?.specifier == ">=8.0,<9.0.0")
        #expect(byName["black"]?.first?.version == "24.2.0")
        #expect(inventory.skipped.map(\.dependency.name) == ["mylib"])
        #expect(inventory.dependencies.allSatisfy { $0.location?.line != nil })
        #expect(byName["requests"]?.first?.location?.line == 9)
        #expect(byName["pytest"]?.first?.location?.line == 27)
        #expect(inventory.dependencies.filter { $0.isPinned }.map(\.name) == ["numpy", "black"])
    }

    @Test func poetryUnionIsUnpinnedWithAWarning() throws {
        let collector = DiagnosticCollector()
        let deps = try Self.parse("poetry-union.toml", diagnostics: collector).dependencies
        #expect(deps.map(\.name) == ["legacy"])
        #expect(deps[0].version == nil && deps[0].specifier == "")
        #expect(collector.diagnostics.contains { $0.level == .warning && $0.message.contains("union") })
    }

    @Test func dynamicDependenciesWarn() throws {
        let collector = DiagnosticCollector()
        #expect(try Self.parse("dynamic.toml", diagnostics: collector).dependencies.isEmpty)
        #expect(collector.diagnostics.contains { $0.level == .warning && $0.message.contains("dynamic") })
    }

    @Test(arguments: [
        ("dependency-groups-cycle.toml", [":2:", "dependency-groups.a", "include-group cycle: a -> b -> c -> a"]),
        ("dependency-groups-unknown.toml", ["dependency-groups.dev", "unknown group \"missing\""]),
        ("dependency-groups-bad-entry.toml", [":2:", "dependency-groups.dev[1]"]),
        ("poetry-bad-constraint.toml", [":3:", "tool.poetry.dependencies.requests.version", "\"^two\""]),
        ("bad-requirement.toml", [":6:", "project.dependencies[1]", "click=8.1.7"]),
        ("bad-type.toml", ["project.dependencies: expected an array, found string"]),
        ("not-toml.toml", [":6:", "not valid TOML"]),
    ])
    func malformed(name: String, mentions: [String]) {
        let error = InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }
        InventoryFixtures.expectOneLineError(error, file: name, mentions: mentions)
    }
}

@Suite struct PoetryConstraintTests {
    @Test(arguments: [
        ("^1.2.3", ">=1.2.3,<2.0.0"), ("^1.2", ">=1.2,<2.0.0"), ("^1", ">=1,<2.0.0"), ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"), ("^0.0", ">=0.0,<0.1.0"), ("^0", ">=0,<1.0.0"), ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3.0"), ("~1", ">=1,<2.0.0"), ("~=1.2", "~=1.2"), ("1.2.*", "==1.2.*"), ("*", ""),
        ("", ""), ("1.2.3", "==1.2.3"), (">= 1.2, < 1.5", ">=1.2,<1.5"), (">=1.2 <1.5", ">=1.2,<1.5"),
        ("!=1.5", "!=1.5"), ("^1.2.3b1", ">=1.2.3b1,<2.0.0"), ("==2.0", "==2.0"),
    ])
    func converts(constraint: String, specifier: String) throws {
        let converted = try PoetryConstraintProbe.convert(constraint)
        #expect(converted == specifier)
        #expect((try? SpecifierSet(converted)) != nil)
    }
}

/// Reaches the internal converter through a pyproject, as users do.
enum PoetryConstraintProbe {
    static func convert(_ constraint: String) throws -> String {
        let escaped = constraint.replacingOccurrences(of: "\"", with: "\\\"")
        let text = "[tool.poetry.dependencies]\npkg = \"\(escaped)\"\n"
        let inventory = try InventoryLoader.parse(
            text: text, path: "pyproject.toml", format: .pyproject, context: InventoryContext())
        return inventory.dependencies.first?.specifier ?? "<none>"
    }
}
