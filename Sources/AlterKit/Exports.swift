// Temporary (#16): AlterKit re-exports AlterCore so that its own files, the CLI and the tests keep compiling without
// an `import AlterCore` line each while other work lands on the same files. New code imports AlterCore explicitly;
// once the remaining folders are targets of their own, each file imports what it uses and this line goes.
@_exported import AlterCore
