import AlterKit
import PythonPackaging
import Testing

@Suite struct PackageNameTests {
    @Test(arguments: [
        ("Jinja2", "jinja2"), ("typing_extensions", "typing-extensions"), ("zope.interface", "zope-interface"),
        ("A__B--C..D", "a-b-c-d"), ("Flask-Cors", "flask-cors"),
    ])
    func normalises(raw: String, expected: String) {
        #expect(PackageName.normalize(raw) == expected)
    }

    @Test func validatesNames() {
        #expect(PackageName.isValid("requests"))
        #expect(PackageName.isValid("zope.interface"))
        #expect(!PackageName.isValid("-e"))
        #expect(!PackageName.isValid("--index-url=http://x"))
        #expect(!PackageName.isValid("a;b"))
        #expect(!PackageName.isValid(""))
    }
}

@Suite struct ExitStatusTests {
    @Test func sourceFailureOutranksFindings() {
        #expect(ExitStatus.worst(.findings, .sourceFailure) == .sourceFailure)
        #expect(ExitStatus.worst(.clean, .findings) == .findings)
    }
}
