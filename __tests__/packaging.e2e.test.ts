// docs/packaging.md's recipes: each docs/recipes/*.yml staged-swap step, with its package and
// package-type as written, deploys a package of the shape the recipe's build step makes (the files
// listed here are what `npm prune`, `dotnet publish` or `mvn package` leave) through the bundled
// action to the emulator. The emulator serves the deployed files and runs no runtime, so the smoke
// URLs are replaced by checks of the files each stack needs; what this proves is that the package
// is accepted, deployed whole and swapped into production — not that Node, Python, .NET or Java
// start (the recipes' own smoke URLs check that against the real app).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { startEmulator, type Emulator } from '../test/emulator/index.js'
import { shopApp } from '../test/apps.js'
import { folder, zipFile, type Files } from '../test/packages.js'
import { errors, runAction, tempDir } from '../test/run-action.js'
import { inputsOf, stagedSwapSteps, workflowFile } from '../test/workflows.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(async () => {
  await emu.close()
})

interface Recipe {
  file: string
  /** What the recipe's build step leaves in the package, for a build labelled `label`. */
  files: (label: string) => Files
  /** Checks that hold for any build of this shape (so they also pass on the rollback target). */
  smoke: string
  /** A file whose content names the build, to see which build production serves. */
  marker: string
}

const RECIPES: Recipe[] = [
  {
    file: 'docs/recipes/node.yml',
    files: label => ({
      'package.json': JSON.stringify({ name: 'shop', scripts: { start: 'node dist/server.js' } }),
      'package-lock.json': '{"lockfileVersion":3}',
      'node_modules/express/package.json': '{"name":"express","version":"5.1.0"}',
      'node_modules/express/index.js': 'module.exports = require("./lib/express")',
      'dist/server.js': `// build ${label}\nrequire('express')().listen(process.env.PORT)`
    }),
    smoke: '/package.json contains="node dist/server.js"\n/node_modules/express/package.json',
    marker: '/dist/server.js'
  },
  {
    file: 'docs/recipes/python.yml',
    files: label => ({
      'app.py': `# build ${label}\nfrom flask import Flask\napp = Flask(__name__)`,
      'requirements.txt': 'flask==3.1.0\ngunicorn==23.0.0\n'
    }),
    smoke: '/requirements.txt contains=gunicorn\n/app.py contains=Flask',
    marker: '/app.py'
  },
  {
    file: 'docs/recipes/dotnet.yml',
    files: label => ({
      'Shop.dll': `MZ\u0000\u0000 build ${label}`,
      'Shop.runtimeconfig.json':
        '{"runtimeOptions":{"framework":{"name":"Microsoft.AspNetCore.App"}}}',
      'Shop.deps.json': '{"targets":{}}',
      'appsettings.json': `{"Build":"${label}"}`,
      'wwwroot/index.html': '<h1>shop</h1>'
    }),
    smoke: '/Shop.runtimeconfig.json contains=Microsoft.AspNetCore.App\n/wwwroot/index.html',
    marker: '/appsettings.json'
  },
  {
    file: 'docs/recipes/java-jar.yml',
    files: label => ({
      'META-INF/MANIFEST.MF':
        'Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.launch.JarLauncher\nStart-Class: shop.App\n',
      'BOOT-INF/classes/application.properties': `server.port=\${PORT:8080}\nbuild=${label}\n`,
      'BOOT-INF/lib/spring-boot-3.4.0.jar': 'PK\u0003\u0004'
    }),
    smoke: '/META-INF/MANIFEST.MF contains=Main-Class',
    marker: '/BOOT-INF/classes/application.properties'
  },
  {
    file: 'docs/recipes/java-war.yml',
    files: label => ({
      'WEB-INF/web.xml': '<web-app version="6.0"></web-app>',
      'WEB-INF/classes/build.properties': `build=${label}\n`,
      'WEB-INF/lib/jakarta.servlet.jsp.jstl-3.0.1.jar': 'PK\u0003\u0004',
      'index.jsp': '<h1>shop</h1>'
    }),
    smoke: '/WEB-INF/web.xml contains=web-app',
    marker: '/WEB-INF/classes/build.properties'
  }
]

/** The package where the recipe's `package` input points, in a fresh workspace. */
async function buildPackage(packagePath: string, files: Files): Promise<string> {
  const workspace = tempDir('staged-swap-recipe-')
  if (/\.(jar|war|ear|zip)$/.test(packagePath)) {
    const archive = await zipFile(files, path.basename(packagePath))
    fs.mkdirSync(path.dirname(path.join(workspace, packagePath)), { recursive: true })
    fs.copyFileSync(archive, path.join(workspace, packagePath))
  } else {
    fs.cpSync(folder(files), path.join(workspace, packagePath), { recursive: true })
  }
  return workspace
}

describe.each(RECIPES)('$file', recipe => {
  it('is deployed, swapped into production, and its previous build stays a rollback target', async () => {
    const [{ step }] = stagedSwapSteps(workflowFile(recipe.file))
    // Production serves the previous build of the same app, the slot an older one.
    const app = shopApp(emu, {
      resourceGroup: 'rg-recipes',
      content: recipe.files('v1'),
      slotContent: { staging: recipe.files('v0') }
    })
    const sha = 'c0ffee'.padEnd(40, '0')
    const inputs = inputsOf(step, {
      'vars.AZURE_WEBAPP_NAME': app,
      'vars.AZURE_RESOURCE_GROUP': 'rg-recipes'
    })
    expect(inputs.package).toBeTruthy()
    const workspace = await buildPackage(inputs.package, recipe.files(sha))

    const run = await runAction(
      emu,
      { ...inputs, 'smoke-urls': recipe.smoke, 'smoke-interval': '0.2' },
      { cwd: workspace, env: { GITHUB_SHA: sha } }
    )
    expect(errors(run)).toEqual([])
    expect(run.outputs).toMatchObject({
      result: 'success',
      'deployed-version': sha,
      'previous-version': 'v1',
      swapped: 'true',
      'rollback-available': 'true'
    })
    const production = await emu.serve(app, 'production', recipe.marker)
    expect(production.status).toBe(200)
    expect(production.body).toContain(sha)
    expect((await emu.serve(app, 'staging', recipe.marker)).body).toContain('v1')
    // The type Kudu was told: the recipe's package-type, else what the extension implies.
    const scm = emu.state.sites.get(app)!.slots.get('staging')!.scmHostName
    const publish = emu.requests.find(r => r.host === scm && r.path.startsWith('/api/publish'))
    expect(publish?.path).toContain(`type=${inputs['package-type'] || 'zip'}`)
  })
})
