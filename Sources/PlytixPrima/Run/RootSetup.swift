/// `plytix-prima init`: the folders of a root and the default pipeline.
public enum RootSetup {
    /// Creates `inbox/`, `outbox/`, `pipelines/` and, unless one exists, the default pipeline.
    /// Returns the paths it created.
    @discardableResult
    public static func initialise(root: String) throws(OutputError) -> [String] {
        let layout = RootLayout(root: root)
        var created: [String] = []
        for folder in [layout.root, layout.inbox, layout.outbox, layout.pipelines] where !FileSystem.isDirectory(folder) {
            try FileSystem.makeDirectory(folder)
            created.append(folder + "/")
        }
        let pipeline = layout.pipelines + "/" + DefaultPipeline.name + "." + PipelineLoader.fileExtension
        if !FileSystem.exists(pipeline) {
            _ = try DurableFileWriter.write(Array(DefaultPipeline.yaml.utf8), to: pipeline)
            created.append(pipeline)
        }
        return created
    }
}
