// `npm run docs`: regenerates the inputs and outputs tables in README.md from action.yml, so the
// docs cannot drift from what the runner really accepts. `npm run docs -- --check` changes nothing
// and exits 1 when README.md is not what this script would write (CI runs that).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as prettier from 'prettier'
import { parse } from 'yaml'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const ACTION_FILE = path.join(ROOT, 'action.yml')
export const README_FILE = path.join(ROOT, 'README.md')

export interface InputSpec {
  description?: string
  required?: boolean
  default?: string
}

export interface ActionSpec {
  inputs: Record<string, InputSpec>
  outputs: Record<string, { description?: string }>
}

export function parseAction(text: string): ActionSpec {
  const doc = parse(text) as Partial<ActionSpec> | null
  return { inputs: doc?.inputs ?? {}, outputs: doc?.outputs ?? {} }
}

export function readAction(file = ACTION_FILE): ActionSpec {
  return parseAction(fs.readFileSync(file, 'utf8'))
}

/** A table cell: one line, pipes escaped so that they do not split the row. */
function cell(text: string | undefined): string {
  return (text ?? '')
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim()
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``
}

function defaultCell(input: InputSpec): string {
  if (input.required) return '**required**'
  if (input.default === undefined || input.default === '') return '_empty_'
  return cell(code(String(input.default)))
}

export function inputsTable(spec: ActionSpec): string {
  const rows = Object.entries(spec.inputs).map(
    ([name, input]) => `| ${code(name)} | ${defaultCell(input)} | ${cell(input.description)} |`
  )
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(spec: ActionSpec): string {
  const rows = Object.entries(spec.outputs).map(
    ([name, output]) => `| ${code(name)} | ${cell(output.description)} |`
  )
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->`; both must be there. */
export function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) {
    throw new Error(`README.md lacks the markers ${start} … ${end}; put them where the table goes.`)
  }
  return `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`
}

/** What lies between a section's markers, for comparisons and test messages. */
export function section(text: string, name: string): string {
  const start = `<!-- ${name}:start -->`
  const from = text.indexOf(start)
  const to = text.indexOf(`<!-- ${name}:end -->`)
  return from < 0 || to < from ? '' : text.slice(from + start.length, to).trim()
}

/** A Windows checkout (core.autocrlf) has CRLF line ends; Prettier writes LF. Compare as LF. */
export function lf(text: string): string {
  return text.replace(/\r\n/g, '\n')
}

/**
 * README.md with both tables regenerated, formatted with the project's Prettier settings so that
 * `npm run docs` and `prettier --check` agree on every byte.
 */
export async function renderReadme(readme: string, spec: ActionSpec): Promise<string> {
  let text = replaceSection(lf(readme), 'inputs', inputsTable(spec))
  text = replaceSection(text, 'outputs', outputsTable(spec))
  const options = (await prettier.resolveConfig(README_FILE)) ?? {}
  return prettier.format(text, { ...options, filepath: README_FILE })
}

async function main(args: string[]): Promise<number> {
  const check = args.includes('--check')
  const readme = fs.readFileSync(README_FILE, 'utf8')
  const rendered = await renderReadme(readme, readAction())
  if (rendered === lf(readme)) {
    console.log('README.md: the inputs and outputs tables match action.yml.')
    return 0
  }
  if (check) {
    console.error(
      'README.md differs from what `npm run docs` writes (the inputs/outputs tables from action.yml, formatted by Prettier); run `npm run docs` and commit README.md.'
    )
    return 1
  }
  fs.writeFileSync(README_FILE, rendered)
  console.log('README.md: regenerated the inputs and outputs tables from action.yml.')
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    status => process.exit(status),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error)
      process.exit(1)
    }
  )
}
