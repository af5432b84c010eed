import Foundation

/// Files shipped in the AlterKit resource bundle (Sources/AlterKit/Resources).
package enum BundledResources {
    /// The URL of `Resources/<name>.<extension>`, or nil when the bundle is not where SwiftPM put it (a binary copied
    /// without its `alterks_AlterKit.resources` folder). Checked first because `Bundle.module` stops the process
    /// when its bundle is missing.
    package static func url(_ name: String, extension ext: String) -> URL? {
        let beside = Bundle.main.bundleURL.appendingPathComponent("alterks_AlterKit.resources")
        guard FileManager.default.fileExists(atPath: beside.path) else { return nil }
        return Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
    }
}
