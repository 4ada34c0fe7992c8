/**
 * One node of `npm run start:cluster`, forked by cluster.ts with an IPC channel: the chat of
 * server.ts as node CHAT_NODE_TAG on the Redis at CHAT_REDIS_URL, serving CHAT_BUNDLE (the
 * build's bundle when unset), on 127.0.0.1 and a free port, which it reports over IPC. It
 * closes (disconnecting its clients) and exits on SIGINT, SIGTERM, or when the IPC channel
 * closes, so it never outlives the launcher.
 */
import { startChat } from "./server.ts";

const nodeTag = process.env.CHAT_NODE_TAG;
const redisUrl = process.env.CHAT_REDIS_URL;
if (!nodeTag || !redisUrl || !process.send) {
  console.error("cluster-node.ts is started by cluster.ts (npm run start:cluster)");
  process.exit(1);
}
const bundlePath = process.env.CHAT_BUNDLE || undefined;
const chat = await startChat({
  port: 0,
  host: "127.0.0.1",
  ...(bundlePath && { bundlePath }),
  cluster: { nodeTag, redisUrl },
});
process.send({ port: chat.port });

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  chat.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
process.once("disconnect", stop);
