/**
 * `npm run start:cluster`: the same chat as three Node processes (cluster-node.ts, tagged n1,
 * n2, n3) behind nginx, on one Redis. nginx runs deploy/nginx/switchboard-cluster.conf as
 * committed (a session stays on the node its id names; new sessions go to the node with the
 * fewest open connections), plus a `location /` that serves the page from any node. Rooms,
 * presence and broadcasts cross nodes through @switchboard/redis-adapter; the rooms' histories
 * live in Redis. Every child is stopped on Ctrl-C (SIGINT) or SIGTERM.
 *
 *   npm run start:cluster                         http://localhost:3000
 *   PORT=8080 npm run start:cluster               another port (PORT=0: a free one, printed)
 *   HOST=127.0.0.1 npm run start:cluster          nginx on this address only (default: all)
 *   REDIS_URL=redis://host:6379 npm run start:cluster   an existing Redis, instead of a
 *                                                 redis-server child on a free loopback port
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  NGINX,
  type RunningNginx,
  replaceOnce,
  startDeployNginx,
} from "../../test/support/nginx.ts";
import { RedisServer } from "../../test/support/redis-server.ts";

const TAGS = ["n1", "n2", "n3"] as const;
const nodeScript = fileURLToPath(new URL("./cluster-node.ts", import.meta.url));
/** How long a node may take to close its connections before it is killed. */
const STOP_MS = 5000;

/**
 * The committed cluster config plus the page: `/` and its assets from any node (least_conn,
 * like a handshake). `/socket.io/` keeps the committed routing.
 */
const withPage = (conf: string): string =>
  replaceOnce(
    conf,
    /\n {4}location \/socket\.io\/ \{/,
    `
    location / {
        proxy_pass http://switchboard_any;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
    }

    location /socket.io/ {`,
  );

/** A node process. */
interface ChatNode {
  readonly tag: string;
  readonly child: ChildProcess;
  readonly port: number;
}

async function startNode(tag: string, redisUrl: string): Promise<ChatNode> {
  const child = fork(nodeScript, [], {
    execArgv: ["--conditions=source", "--import", "tsx"],
    env: { ...process.env, CHAT_NODE_TAG: tag, CHAT_REDIS_URL: redisUrl },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [message] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code, signal]) => {
      throw new Error(`node ${tag} exited (${code ?? signal}) before it listened`);
    }),
  ])) as [{ port: number }];
  return { tag, child, port: message.port };
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after STOP_MS. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
  await exited;
  clearTimeout(timer);
}

function listenFrom(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, not ${JSON.stringify(env.PORT)}`);
  }
  return { host: env.HOST || "*", port };
}

async function main(): Promise<void> {
  let listen: { host: string; port: number };
  try {
    listen = listenFrom(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  let redis: RedisServer | undefined;
  const nodes: ChatNode[] = [];
  let nginx: RunningNginx | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (code: number): Promise<void> => {
    stopping ??= (async () => {
      await nginx?.stop();
      await Promise.all(nodes.map((node) => stopChild(node.child)));
      await redis?.close();
      process.exit(code);
    })();
    return stopping;
  };
  process.once("SIGINT", () => void stopAll(0));
  process.once("SIGTERM", () => void stopAll(0));

  try {
    if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install nginx`);
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      redis = await RedisServer.start();
      redisUrl = redis.url;
      console.log(`redis-server pid ${redis.pid} on ${redisUrl} (started for this cluster)`);
    } else console.log(`Redis at ${redisUrl} (REDIS_URL)`);
    for (const tag of TAGS) {
      const node = await startNode(tag, redisUrl);
      nodes.push(node);
      console.log(`node ${tag} pid ${node.child.pid} on http://127.0.0.1:${node.port}`);
      node.child.once("exit", (code, signal) => {
        // Exit code 0: Ctrl-C reached it before this process' own handler ran.
        if (!stopping && code !== 0) {
          console.error(`node ${tag} exited (${code ?? signal}); the others go on`);
        }
      });
    }
    const [n1, n2, n3] = nodes.map((node) => `127.0.0.1:${node.port}`) as [string, string, string];
    nginx = await startDeployNginx(
      "switchboard-cluster.conf",
      { SWITCHBOARD_N1: n1, SWITCHBOARD_N2: n2, SWITCHBOARD_N3: n3 },
      withPage,
      listen,
    );
    const running = nginx;
    void running.exited.then((code) => {
      // Exit code 0: a signal asked it to stop (Ctrl-C reaches every process of the terminal).
      if (code !== 0) console.error(`nginx exited (${code}):\n${running.log()}`);
      void stopAll(code === 0 ? 0 : 1);
    });
    console.log(`nginx pid ${nginx.pid} on port ${nginx.port} (config ${nginx.siteConfig})`);
    const host = listen.host === "*" ? "localhost" : listen.host;
    console.log(
      `Switchboard chat cluster on http://${host}:${nginx.port}  (3 nodes behind nginx, one Redis; Ctrl-C stops them all)`,
    );
  } catch (err) {
    console.error(`the cluster did not start: ${(err as Error).message}`);
    await stopAll(1);
  }
}

await main();
