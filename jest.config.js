// ESM jest via ts-jest: run with `node --experimental-vm-modules` (see package.json "test").
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.dev.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 120000,
  verbose: true
}
