/**
 * A server that sits where a registry URL points but is not a schema registry, as met in real
 * deployments: an SSO gateway redirecting to its login page, a login page served with 200, or a
 * gateway answering `{}` to everything. Binds 127.0.0.1; records the requests it sees.
 */
import { createServer, type Server } from 'node:http';

export type Impostor = 'sso-redirect' | 'html-login' | 'empty-json';

export interface StartedImpostor {
  /** A registry-looking URL on this server, e.g. http://127.0.0.1:45678/apis/ccompat/v7 */
  url: string;
  /** "METHOD /path" of every request seen. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

const LOGIN_PAGE = `<!DOCTYPE html>
<html><head><title>Sign in - Acme SSO</title></head>
<body><form method="post" action="/login"><input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>
`;

export async function startImpostor(kind: Impostor): Promise<StartedImpostor> {
  const requests: string[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    switch (kind) {
      case 'sso-redirect':
        // The state parameter stands for what a real SSO puts there; it must not be printed.
        res.writeHead(302, { location: `${origin}/sso/login?state=s3cr3t-state&redirect_uri=${encodeURIComponent(req.url ?? '/')}` });
        res.end();
        return;
      case 'html-login':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(LOGIN_PAGE);
        return;
      case 'empty-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: `${origin}/apis/ccompat/v7`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
