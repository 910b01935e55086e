// `my-quarry`: every command of `quarry`, plus the keyterms expander.
import KeyTerms
import QuarryCLI

await QuarryMain.run(expanders: [KeyTermsExpander.plugin])
