import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'

/**
 * Prints text the action does not control (a Kudu build log) so that the runner treats it as
 * text: between `::stop-commands::<token>` and `::<token>::` a line such as `::add-mask::…` or
 * `::error::…` is not executed. The token is random, so the text cannot end the block itself.
 */
export function printUntrusted(title: string, lines: string[]): void {
  const token = randomUUID()
  core.info(title)
  core.info(`::stop-commands::${token}`)
  for (const line of lines) core.info(`  ${line}`)
  core.info(`::${token}::`)
}

/** One line of untrusted text for a message: no line breaks, so it cannot start a command. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ')
}
