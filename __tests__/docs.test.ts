import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  inputsTable,
  lf,
  outputsTable,
  readAction,
  README_FILE,
  renderReadme,
  replaceSection,
  ROOT,
  section,
  type ActionSpec
} from '../scripts/docs.js'

// The contract (DESIGN.md) is kept outside this repository. STAGED_SWAP_DESIGN_FILE names it
// (.ci/run sets it when the project's shared folder is there); without it these checks skip.
const DESIGN_FILE = process.env.STAGED_SWAP_DESIGN_FILE
  ? path.resolve(ROOT, process.env.STAGED_SWAP_DESIGN_FILE)
  : ''
const withDesign = DESIGN_FILE && fs.existsSync(DESIGN_FILE) ? it : it.skip

/** The names in the first column of the table under `## <heading>` in DESIGN.md. */
function designNames(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`## ${heading}`)
  const rest = markdown.slice(start + heading.length + 3)
  const end = rest.search(/^## /m)
  const body = end < 0 ? rest : rest.slice(0, end)
  const names: string[] = []
  for (const line of body.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue
    const first = line.split('|')[1]
    names.push(...[...first.matchAll(/`([^`]+)`/g)].map(m => m[1]))
  }
  return names
}

describe('README.md', () => {
  const readme = lf(fs.readFileSync(README_FILE, 'utf8'))
  const action = readAction()

  it('has the inputs and outputs tables that npm run docs generates from action.yml', async () => {
    const rendered = await renderReadme(readme, action)
    // Section by section first, for a readable diff; then every byte (npm run docs -- --check).
    expect(section(readme, 'inputs')).toBe(section(rendered, 'inputs'))
    expect(section(readme, 'outputs')).toBe(section(rendered, 'outputs'))
    expect(readme).toBe(rendered)
  })

  it('lists every input and output of action.yml in its tables', () => {
    for (const name of Object.keys(action.inputs))
      expect(section(readme, 'inputs')).toContain(`| \`${name}\``)
    for (const name of Object.keys(action.outputs))
      expect(section(readme, 'outputs')).toContain(`| \`${name}\``)
  })

  it('no longer matches when action.yml changes', async () => {
    const changed: ActionSpec = structuredClone(action)
    changed.inputs['smoke-timeout'].default = '999'
    changed.outputs.result.description = 'a different meaning'
    const rendered = await renderReadme(readme, changed)
    expect(section(rendered, 'inputs')).toContain('`999`')
    expect(section(rendered, 'outputs')).toContain('a different meaning')
    expect(rendered).not.toBe(readme)
  })
})

describe('table generation', () => {
  const spec: ActionSpec = {
    inputs: {
      'app-name': { description: 'The app.', required: true },
      slot: { description: 'A name, or * for all | every slot.', default: 'staging' },
      'resource-group': { description: 'Found\nby name.', default: '' }
    },
    outputs: { result: { description: 'success or failed' } }
  }

  it('marks required inputs and empty defaults, and keeps each row on one line', () => {
    expect(inputsTable(spec).split('\n')).toEqual([
      '| Input | Default | Description |',
      '| --- | --- | --- |',
      '| `app-name` | **required** | The app. |',
      '| `slot` | `staging` | A name, or * for all \\| every slot. |',
      '| `resource-group` | _empty_ | Found by name. |'
    ])
    expect(outputsTable(spec).split('\n')).toEqual([
      '| Output | Description |',
      '| --- | --- |',
      '| `result` | success or failed |'
    ])
  })

  it('replaces only what lies between the markers, and refuses when they are missing', () => {
    const text = 'before\n<!-- inputs:start -->\nold\n<!-- inputs:end -->\nafter\n'
    expect(replaceSection(text, 'inputs', 'new')).toBe(
      'before\n<!-- inputs:start -->\n\nnew\n\n<!-- inputs:end -->\nafter\n'
    )
    expect(() => replaceSection('no markers', 'inputs', 'new')).toThrow(/<!-- inputs:start -->/)
  })
})

describe('action.yml keeps the contract of DESIGN.md', () => {
  const action = readAction()

  withDesign('has every input of the contract, with a description', () => {
    const names = designNames(fs.readFileSync(DESIGN_FILE, 'utf8'), 'Inputs')
    expect(names).toContain('app-name')
    expect(names).toContain('tenant-id')
    for (const name of names) {
      expect(action.inputs).toHaveProperty([name])
      expect(action.inputs[name].description?.trim()).toBeTruthy()
    }
  })

  withDesign('has every output of the contract, with a description', () => {
    const names = designNames(fs.readFileSync(DESIGN_FILE, 'utf8'), 'Outputs')
    expect(names).toContain('cleaned-slots')
    for (const name of names) {
      expect(action.outputs).toHaveProperty([name])
      expect(action.outputs[name].description?.trim()).toBeTruthy()
    }
  })

  it('describes every input and output it has', () => {
    for (const [name, spec] of [
      ...Object.entries(action.inputs),
      ...Object.entries(action.outputs)
    ])
      expect([name, spec.description?.trim() || '']).not.toEqual([name, ''])
  })
})
