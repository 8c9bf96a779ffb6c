import { z } from 'zod';
import { Duration, FilePath, NonEmptyString, secretPair } from './common.js';
import { TEMPLATE_VARIABLES, templateVariables } from './template.js';

/** Names a template may use; anything else is refused when the config loads, not at the first status. */
function knownVariablesOnly(allowed: readonly string[]) {
  return (text: string, ctx: z.RefinementCtx) => {
    for (const name of templateVariables(text)) {
      if (!allowed.includes(name)) {
        ctx.addIssue({ code: 'custom', message: `unknown variable {${name}}; known: ${allowed.map((known) => `{${known}}`).join(', ')}` });
      }
    }
  };
}

const AppAuth = z
  .strictObject({
    appId: z.union([z.int().positive(), z.string().regex(/^\d+$/, { message: 'expected the numeric App ID' })]).transform(Number).meta({ description: "The GitHub App's ID (its settings page shows it)." }),
    ...secretPair('privateKey', 'GitHub App private key (PEM).'),
    installationId: z.int().positive().optional().meta({ description: "The App's installation on the repository; found from the repository when omitted." }),
  })
  .superRefine((app, ctx) => {
    if ((app.privateKey === undefined) === (app.privateKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', message: app.privateKey === undefined ? 'privateKeyFile (or privateKey) is required' : 'give either privateKey or privateKeyFile, not both', path: ['privateKeyFile'] });
    }
  });

const ArgoCdDiscovery = z.strictObject({
  namespace: NonEmptyString.default('argocd').meta({ description: 'Namespace of the ArgoCD Application resources (the control plane namespace).' }),
  kubeconfig: FilePath.optional().meta({ description: 'A kubeconfig file to reach the Kubernetes API; in a pod the ServiceAccount is used.' }),
  pod: NonEmptyString.optional().meta({ description: "This pod's name; defaults to $POD_NAME, then $HOSTNAME (which Kubernetes sets to the pod name)." }),
  podNamespace: NonEmptyString.optional().meta({ description: "This pod's namespace; defaults to $POD_NAMESPACE, then the ServiceAccount's namespace." }),
  timeout: Duration.prefault('10s').meta({ description: 'Time for the whole lookup (pod, Job, Application).' }),
});

const Deployments = z.strictObject({
  enabled: z.boolean().default(true),
  environment: NonEmptyString.optional().meta({ description: "GitHub environment name; the config's environment when omitted." }),
  production: z.boolean().optional().meta({ description: 'Mark the environment as production; GitHub decides from the name when omitted.' }),
  transient: z.boolean().default(false).meta({ description: 'The environment is ephemeral and will go away.' }),
  environmentUrl: z.string().superRefine(knownVariablesOnly(TEMPLATE_VARIABLES)).optional().meta({ description: 'URL of the deployed application (template), shown on the deployment.' }),
  finishOn: z
    .enum(['presync', 'postsync'])
    .default('postsync')
    .meta({ description: 'The phase whose success marks the deployment successful: postsync (default; PreSync leaves it in progress) or presync (when there is no PostSync hook).' }),
});

const CheckRun = z.strictObject({
  enabled: z.boolean().default(true),
  name: NonEmptyString.default('synchook {env} {phase}').superRefine(knownVariablesOnly(['env', 'phase'])).meta({ description: 'Name of the check run; may use {env} and {phase}.' }),
});

export const GitHubReportConfig = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: 'expected owner/name, e.g. acme/orders-service' })
      .meta({ description: 'The repository whose commit is deployed: owner/name.' }),
    apiUrl: z
      .url({ protocol: /^https?$/ })
      .default('https://api.github.com')
      .meta({ description: 'GitHub API base URL. GitHub Enterprise Server: https://<host>/api/v3.' }),
    sha: z
      .union([z.string(), z.number().transform(String)])
      .optional()
      .meta({ description: 'The deployed commit: a 40-hex SHA or a Flux revision (main@sha1:<sha>); usually ${REVISION}. An empty value means "not given".' }),
    ...secretPair('token', 'GitHub token (needs Commit statuses: write).'),
    app: AppAuth.optional().meta({ description: 'Authenticate as a GitHub App installation instead of with a token.' }),
    context: NonEmptyString.default('synchook/{env}')
      .superRefine(knownVariablesOnly(['env']))
      .meta({ description: 'Prefix of the status contexts; each task reports to <prefix>/<phase>/<task>. May use {env}.' }),
    aggregate: z.boolean().default(false).meta({ description: 'Also report one status per phase, <prefix>/<phase>, summing up its tasks.' }),
    targetUrl: z
      .string()
      .superRefine(knownVariablesOnly(TEMPLATE_VARIABLES))
      .optional()
      .meta({ description: 'Link of each status (template): e.g. https://argocd.example.com/applications/argocd/{argocdApp}.' }),
    required: z.boolean().default(false).meta({ description: 'A reporting failure fails the run (exit 3 when GitHub cannot be reached). Otherwise reporting only warns.' }),
    timeout: Duration.prefault('10s').meta({ description: 'Time for one status update, retries included.' }),
    retries: z.int().min(0).max(5).default(3).meta({ description: 'Retries of a request that failed with 5xx, a network error or a secondary rate limit.' }),
    discover: z
      .enum(['auto', 'argocd', 'off'])
      .default('auto')
      .meta({ description: 'Find the commit from the ArgoCD Application when no SHA is given: auto (when running in a Kubernetes pod), argocd (always), off.' }),
    argocd: ArgoCdDiscovery.prefault({}),
    deployments: Deployments.optional().meta({ description: 'Also create a GitHub Deployment of the commit to the environment, with deployment statuses.' }),
    comment: z.boolean().default(false).meta({ description: '`synchook plan` posts the plan as one pull-request comment, edited in place on every push (needs "Pull requests: write").' }),
    checkRun: CheckRun.optional().meta({ description: 'Also publish a Check Run with the Markdown plan as its summary (GitHub App authentication only).' }),
  })
  .superRefine((github, ctx) => {
    const ways = [github.token !== undefined || github.tokenFile !== undefined, github.app !== undefined].filter(Boolean).length;
    if (github.token !== undefined && github.tokenFile !== undefined) ctx.addIssue({ code: 'custom', message: 'give either token or tokenFile, not both', path: ['tokenFile'] });
    if (ways > 1) ctx.addIssue({ code: 'custom', message: 'give either a token (token or tokenFile) or app, not both', path: ['app'] });
    if (github.checkRun?.enabled && github.app === undefined) {
      ctx.addIssue({ code: 'custom', message: 'GitHub accepts check runs only from a GitHub App: configure app, or remove checkRun', path: ['checkRun'] });
    }
  });

export const ReportConfig = z.strictObject({
  github: GitHubReportConfig.optional().meta({ description: 'Commit statuses on GitHub for every task.' }),
});

export type GitHubReportConfig = z.output<typeof GitHubReportConfig>;
export type ReportConfig = z.output<typeof ReportConfig>;
