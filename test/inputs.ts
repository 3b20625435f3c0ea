// Inputs for unit tests of getSettings(): the runner's INPUT_* variables, set and restored.
import { afterEach } from '@jest/globals'
import { InputError } from '../src/settings/input-error.js'
import { getSettings } from '../src/settings/input-helper.js'

/** Restores process.env after each test of the calling file. */
export function restoreEnvAfterEach(): void {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })
}

/** Replaces every INPUT_* variable with these inputs, as the runner passes them. */
export function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}

/** The InputError getSettings() raises for these inputs; fails the test when it raises none. */
export function inputFailure(inputs: Record<string, string>): InputError {
  setInputs(inputs)
  try {
    getSettings()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}
