// phases/zip-writer's Deflater: one zlib engine, reset between buffers, each output a complete raw
// deflate stream; and the fallback to zlib.deflateRawSync when the engine's handle is not as expected.
import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import zlib from 'node:zlib'
import { CHUNK, Deflater } from '../src/phases/zip-writer.js'

const inputs = [
  Buffer.from('export const answer = 42\n'.repeat(200)),
  randomBytes(3000),
  Buffer.from('x'),
  Buffer.concat([randomBytes(CHUNK / 2), Buffer.alloc(CHUNK / 2, 'text ')]),
  randomBytes(CHUNK) // incompressible at the largest size: deflate's worst case fits its buffer
]

function roundTrips(deflater: Deflater): void {
  for (const input of inputs) {
    const packed = Buffer.from(deflater.deflate(input)) // a view: copied before the next call
    expect(zlib.inflateRawSync(packed).equals(input)).toBe(true)
    expect(packed.equals(zlib.deflateRawSync(input, { level: 1 }))).toBe(true)
  }
}

describe('Deflater', () => {
  it('deflates buffer after buffer with one engine, as deflateRawSync would', () => {
    const deflater = new Deflater()
    roundTrips(deflater)
    roundTrips(deflater)
    deflater.close()
  })

  it('falls back to deflateRawSync when the engine handle is not what it expects', () => {
    const deflater = new Deflater()
    const engine = (deflater as unknown as { engine: { _handle: unknown } }).engine
    engine._handle = { writeSync: () => undefined, close: () => undefined } // reports nothing back
    roundTrips(deflater)
    deflater.close()
  })
})
