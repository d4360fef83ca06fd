/// Makes a staged run visible in one atomic step: every file is already fsynced in the staging
/// folder (manifest last); the folder is renamed into `outbox/<pipeline>/<run-id>/` and the
/// outbox folder fsynced. Prima's importer never sees a run without its manifest.
enum RunPublisher {
    static func publish(_ run: StagedRun, layout: RootLayout) throws(OutputError) -> String {
        let pipelineFolder = layout.outbox(pipeline: run.pipeline)
        try FileSystem.makeDirectory(pipelineFolder)
        try FileSystem.syncDirectory(run.directory)
        let target = layout.runFolder(pipeline: run.pipeline, runID: run.runID)
        try FileSystem.rename(run.directory, to: target)
        try FileSystem.syncDirectory(pipelineFolder)
        try FileSystem.syncDirectory(layout.staging)
        return target
    }
}
