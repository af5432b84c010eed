// Temporary (#16): AlterKit re-exports AlterCore and AlterSystem so that its own files, the CLI and the tests keep
// compiling without an import line each while other work lands on the same files. New code imports them explicitly;
// once the remaining folders are targets of their own, each file imports what it uses and these lines go.
@_exported import AlterCore
@_exported import AlterSystem
