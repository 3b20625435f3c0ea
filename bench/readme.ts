// BENCH_README=1: the bench writes its tables into README.md's Performance section (between
// `<!-- bench:start -->` and `<!-- bench:end -->`), formatted by Prettier as `npm run docs` does, so
// the figures a user reads there are the last bench run's, never typed by hand.
import fs from 'node:fs'
import * as prettier from 'prettier'
import { lf, README_FILE, replaceSection } from '../scripts/docs.js'

export async function writeReadmeFigures(markdown: string): Promise<void> {
  const text = replaceSection(lf(fs.readFileSync(README_FILE, 'utf8')), 'bench', markdown.trim())
  const options = (await prettier.resolveConfig(README_FILE)) ?? {}
  fs.writeFileSync(README_FILE, await prettier.format(text, { ...options, filepath: README_FILE }))
}
