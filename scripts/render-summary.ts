// Previews the job summary: renders renderSummary() for the sample reports in test/reports.ts to
// HTML with GitHub-like CSS and, when chromium is installed, screenshots each page.
//   npm install --no-save marked   (a preview tool only, not a dependency)
//   npx tsx scripts/render-summary.ts [out-dir]     (default /tmp/summary-shots)
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderSummary } from '../src/report/summary.js'
import { ENDED, SAMPLES } from '../test/reports.js'

const CSS = `
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; max-width: 1012px; margin: 0 auto; padding: 24px 32px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
  "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
  font-size: 14px; line-height: 1.5; color: #1f2328; word-wrap: break-word; }
.markdown-body h2 { font-size: 1.5em; font-weight: 600; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; margin: 0 0 16px; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 16px; }
.markdown-body p, .markdown-body blockquote, .markdown-body ul, .markdown-body ol,
.markdown-body table, .markdown-body pre { margin: 0 0 16px; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 85%; padding: .2em .4em; background: #818b981f; border-radius: 6px; }
.markdown-body pre { padding: 16px; background: #f6f8fa; border-radius: 6px; overflow: auto; }
.markdown-body pre code { background: transparent; padding: 0; font-size: 85%; }
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
.markdown-body th { font-weight: 600; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body tr { background: #fff; border-top: 1px solid #d1d9e0b3; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body ul, .markdown-body ol { padding-left: 2em; }
.markdown-body li + li { margin-top: .25em; }
.frame { border: 1px solid #d1d9e0; border-radius: 6px; margin: 16px; }
.frame-title { font: 600 14px -apple-system, "Segoe UI", "Noto Sans", sans-serif; padding: 12px 16px; border-bottom: 1px solid #d1d9e0; background: #f6f8fa; }
`

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(os.tmpdir(), 'summary-shots'))
  fs.mkdirSync(out, { recursive: true })
  let marked: { parse(md: string, o?: { gfm: boolean; async: false }): string }
  try {
    // Not a dependency: a variable specifier keeps tsc from requiring it.
    const specifier = 'marked'
    marked = ((await import(specifier)) as { marked: typeof marked }).marked
  } catch {
    throw new Error('marked is missing: run `npm install --no-save marked` first (preview only).')
  }
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(bin => {
    try {
      execFileSync('which', [bin], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })
  for (const [name, make] of Object.entries(SAMPLES)) {
    const md = renderSummary(make(), {
      runUrl: 'https://github.com/octo/shop/actions/runs/4242',
      actionRef: 'staged-swap/staged-swap@v1',
      now: ENDED
    })
    fs.writeFileSync(path.join(out, `${name}.md`), md)
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title><style>${CSS}</style></head>
<body><div class="frame"><div class="frame-title">deploy summary</div><article class="markdown-body">${marked.parse(md, { gfm: true, async: false })}</article></div></body></html>`
    const file = path.join(out, `${name}.html`)
    fs.writeFileSync(file, html)
    if (!chromium) continue
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-chromium-'))
    try {
      execFileSync(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--hide-scrollbars',
          `--user-data-dir=${profile}`,
          `--screenshot=${path.join(out, `${name}.png`)}`,
          '--window-size=1100,1400',
          `file://${file}`
        ],
        { stdio: 'ignore', timeout: 60_000 }
      )
    } finally {
      fs.rmSync(profile, { recursive: true, force: true })
    }
  }
  console.log(
    `${Object.keys(SAMPLES).length} summaries in ${out}${chromium ? ' (with screenshots)' : ' (no chromium: HTML only)'}`
  )
}

await main()
