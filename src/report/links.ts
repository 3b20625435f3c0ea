// Links to the workflow run and this action, from the runner's environment.

/** The workflow run's page. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = env
  return server && repo && runId ? `${server}/${repo}/actions/runs/${runId}` : undefined
}

/** This action as the workflow named it (`uses:`), so the pasted rollback step matches. */
export function actionRef(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_ACTION_REPOSITORY: repo, GITHUB_ACTION_REF: ref } = env
  return repo && ref ? `${repo}@${ref}` : undefined
}
