import QuarryCLI

await QuarryMain.run()
