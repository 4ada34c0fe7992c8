/**
 * What the adapters of one `createAdapter()` share: the application's client (commands and
 * publishing), one subscriber connection, and one reader per stream. Connections of its own are
 * opened with the first adapter and closed with the last.
 */
import { type Bus, busOf, type RedisClient } from "@switchboard/redis-adapter";
import { type Dedicated, dedicated, type Send } from "./commands.js";
import type { ResolvedStreamsOptions } from "./options.js";
import { StreamReader } from "./reader.js";

type Health = { busError(err: Error): void; busRecovered(): void };

/** Shared Redis access of the adapters of one createAdapter(). */
export class Hub {
  readonly pub: Bus;
  readonly #client: RedisClient;
  readonly #opts: ResolvedStreamsOptions;
  readonly #readers = new Map<string, StreamReader>();
  #sub: Dedicated | undefined;
  /** The writer was up once (before that, commands wait for it instead of failing). */
  #writerUp = false;
  #writer: Dedicated | undefined;
  #users = 0;

  constructor(client: RedisClient, opts: ResolvedStreamsOptions) {
    this.#client = client;
    this.#opts = opts;
    this.pub = busOf(client);
    this.#openWriter().opened.then(
      () => {
        this.#writerUp = true;
      },
      () => {},
    );
  }

  /**
   * Sends a command on the writer: a connection of the adapter's own whose commands fail at
   * once while Redis is away (stream appends, session records, replays).
   */
  readonly send: Send = async (args) => {
    if (this.#users === 0) throw new Error("the adapter is closed");
    const writer = this.#openWriter();
    await writer.opened;
    return writer.send(args);
  };

  #openWriter(): Dedicated {
    this.#writer ??= dedicated(this.#client, true);
    return this.#writer;
  }

  /** Whether the writer is open and its connection down (Redis away). */
  get down(): boolean {
    const w = this.#writer;
    return w !== undefined && !w.ready && this.#writerUp;
  }

  /** The reader of `stream`, started on first use (one adapter more holds the hub). */
  reader(stream: string): StreamReader {
    this.#users++;
    let reader = this.#readers.get(stream);
    if (!reader) {
      reader = new StreamReader(
        this.#client,
        stream,
        this.#opts.readCount,
        this.#opts.blockTimeInMs,
      );
      this.#readers.set(stream, reader);
    }
    return reader;
  }

  /** The subscriber connection's bus. */
  async subscriber(): Promise<Bus> {
    this.#sub ??= dedicated(this.#client);
    const sub = this.#sub;
    await sub.opened;
    return busOf(sub.client);
  }

  /** Reports the client's errors and recoveries to an adapter; returns the detach. */
  watch(health: Health): () => void {
    return this.pub.watch(
      (err) => health.busError(err),
      () => health.busRecovered(),
    );
  }

  /** One adapter less; the last one closes the readers and the subscriber connection. */
  release(): void {
    if (--this.#users > 0) return;
    for (const reader of this.#readers.values()) reader.close();
    this.#readers.clear();
    this.#sub?.close();
    this.#writer?.close();
    this.#sub = undefined;
    this.#writer = undefined;
    this.#writerUp = false;
  }
}
