// Reads the workflows users copy — the README's yaml blocks, .github/workflows/example-*.yml,
// docs/recipes/*.yml — and turns their staged-swap step into the inputs the runner would pass, so
// that tests run the examples as written.
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './run-action.js'

export interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}

export interface Workflow {
  jobs: Record<string, { needs?: string | string[]; steps: Step[] }>
}

/** The ```yaml blocks under a `## heading` of a markdown file (up to the next `## `). */
export function yamlBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`no section '## ${heading}'`)
  const rest = markdown.slice(start + heading.length + 5)
  const end = rest.search(/^## /m)
  const body = end < 0 ? rest : rest.slice(0, end)
  // Fences may be indented (a block inside a list item): dedent the block by the fence's indent.
  return [...body.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(m =>
    m[2]
      .split('\n')
      .map(line => line.slice(m[1].length))
      .join('\n')
  )
}

export function readme(): string {
  return fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\r\n/g, '\n')
}

export function workflowFile(file: string): Workflow {
  return parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Workflow
}

export function exampleFiles(dir = '.github/workflows', pattern = /^example-.*\.yml$/): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir))
    .filter(f => pattern.test(f))
    .sort()
    .map(f => `${dir}/${f}`)
}

/** The staged-swap steps of a workflow, job by job in `needs` order (jobs as written otherwise). */
export function stagedSwapSteps(workflow: Workflow): Array<{ job: string; step: Step }> {
  const found: Array<{ job: string; step: Step }> = []
  for (const [job, spec] of Object.entries(workflow.jobs))
    for (const step of spec.steps)
      if (step.uses?.startsWith('staged-swap/staged-swap@')) found.push({ job, step })
  return found
}

/**
 * The step's `with:` as INPUT_* values: every `${{ expression }}` replaced from `context`, literal
 * values from `literals` (the README's `my-app` → the emulator's app). An expression the context
 * does not know fails the test, so that an example cannot grow a reference nobody checked.
 */
export function inputsOf(
  step: Step,
  context: Record<string, string>,
  literals: Record<string, string> = {}
): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const [name, raw] of Object.entries(step.with ?? {})) {
    const text = String(raw)
    const value = text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => {
      if (!(expr in context)) throw new Error(`input ${name}: no value for \${{ ${expr} }}`)
      return context[expr]
    })
    inputs[name] = literals[value] ?? value
  }
  return inputs
}
