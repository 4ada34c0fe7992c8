// The chat page: plain JavaScript over the global `io` that /switchboard.min.js defines.
// User text only ever reaches the page through textContent, never as HTML.
// It starts on "load": a jsonp poll or an htmlfile stream opened earlier would hold the page's
// load event (and the browser's spinner) until it returns.
window.addEventListener("load", () => {
  const TRANSPORTS = ["websocket", "sse", "polling", "jsonp", "htmlfile"];
  const TYPING_IDLE_MS = 2500; // we stop "typing" after this long without a keystroke
  const TYPING_STALE_MS = 6000; // someone else's "typing" fades if no stop ever arrives
  const MESSAGE_MAX = 500;

  const $ = (id) => document.getElementById(id);
  const el = {
    conn: $("conn"),
    connText: $("conn-text"),
    transport: $("transport"),
    nodeWrap: $("node-wrap"),
    node: $("node"),
    force: $("force"),
    banner: $("banner"),
    bannerText: $("banner-text"),
    retry: $("retry"),
    join: $("join"),
    joinForm: $("join-form"),
    nick: $("nick"),
    room: $("room"),
    joinButton: $("join-button"),
    joinError: $("join-error"),
    chat: $("chat"),
    roomName: $("room-name"),
    count: $("count"),
    people: $("people"),
    leave: $("leave"),
    messages: $("messages"),
    typing: $("typing"),
    composer: $("composer"),
    text: $("text"),
    counter: $("counter"),
    send: $("send"),
    sendError: $("send-error"),
  };

  // ?transport=sse (or websocket, polling, jsonp, htmlfile) forces one transport; otherwise
  // the client walks its ladder and upgrades to WebSocket when it can.
  const params = new URLSearchParams(location.search);
  const forced = TRANSPORTS.includes(params.get("transport") ?? "")
    ? params.get("transport")
    : null;
  el.force.value = forced ?? "";
  el.force.addEventListener("change", () => {
    const url = new URL(location.href);
    if (el.force.value) url.searchParams.set("transport", el.force.value);
    else url.searchParams.delete("transport");
    location.assign(url); // the current room and nickname are rejoined after the reload
  });

  const socket = io(forced ? { transports: [forced] } : {});

  /** What this page has joined (also kept for the session, to rejoin after a reload). */
  let joined = null;
  let myId = null;
  /**
   * Every connection id this tab has had (kept for the session): a message is "mine" when one
   * of them sent it, also from before a reconnection. Nicknames cannot tell: two people in a
   * room may pick the same one.
   */
  const myIds = new Set(JSON.parse(sessionStorage.getItem("chat.ids") ?? "[]"));
  /** The reconnection attempt under way, shown until it succeeds. */
  let attempt = 0;
  const saved = JSON.parse(sessionStorage.getItem("chat.joined") ?? "null");
  /** A room to rejoin on the first connect: the one this tab was in before a reload. */
  let resume = saved;
  el.nick.value = saved?.nick ?? localStorage.getItem("chat.nick") ?? "";
  el.room.value = saved?.room ?? params.get("room") ?? "lobby";

  // --- connection state and transport -------------------------------------------------------

  function setConn(state, text) {
    el.conn.className = `conn ${state}`;
    el.connText.textContent = text;
  }

  function showTransport() {
    el.transport.textContent = socket.io.engine?.transport?.name ?? "–";
  }

  function banner(text, canRetry) {
    el.banner.hidden = text === null;
    el.bannerText.textContent = text ?? "";
    el.retry.hidden = !canRetry;
  }

  function setEnabled() {
    const on = socket.connected;
    document.body.classList.toggle("offline", !on);
    el.joinButton.disabled = !on;
    el.text.disabled = !on || joined === null;
    el.send.disabled = !on || joined === null;
  }

  // Each (re)connection has a new engine: follow its upgrades.
  socket.io.on("open", () => {
    showTransport();
    socket.io.engine?.on("upgrade", (transport) => {
      showTransport();
      if (joined) notice(`upgraded to ${transport.name}`);
    });
  });

  socket.on("connect", () => {
    myId = socket.id;
    myIds.add(myId);
    sessionStorage.setItem("chat.ids", JSON.stringify([...myIds].slice(-20)));
    attempt = 0;
    setConn("online", "connected");
    showTransport();
    banner(null, false);
    setEnabled();
    const again = joined ?? resume;
    resume = null;
    if (again) join(again.nick, again.room, joined !== null);
  });

  // A node of a cluster (npm run start:cluster) names itself; one process says nothing.
  socket.on("node", (tag) => {
    el.node.textContent = tag;
    el.nodeWrap.hidden = false;
  });

  socket.on("connect_error", (err) => {
    // While the client keeps trying (socket.active), the attempt in progress stays on show;
    // "offline" is for when it has given up.
    const retrying = socket.active;
    if (!retrying) setConn("offline", "offline");
    else setConn("connecting", attempt ? `reconnecting (${attempt})…` : "connecting…");
    banner(`Cannot reach the server (${err.message}).${retrying ? " Retrying…" : ""}`, !retrying);
    setEnabled();
  });

  socket.on("disconnect", (reason) => {
    setConn("offline", "disconnected");
    el.transport.textContent = "–";
    el.node.textContent = "–";
    stopTyping();
    clearTypers();
    setEnabled();
    if (joined) notice(`disconnected (${reason})`);
    // After a server-side disconnect the client does not come back by itself.
    const manual = reason === "io server disconnect" || reason === "io client disconnect";
    banner(
      manual ? `Disconnected (${reason}).` : `Connection lost (${reason}). Reconnecting…`,
      manual,
    );
  });

  socket.io.on("reconnect_attempt", (n) => {
    attempt = n;
    setConn("connecting", `reconnecting (${n})…`);
  });

  socket.io.on("reconnect_failed", () => {
    setConn("offline", "offline");
    banner("Cannot reach the server; gave up retrying.", true);
  });

  el.retry.addEventListener("click", () => socket.connect());

  // --- joining and leaving --------------------------------------------------------------------

  function join(nick, room, rejoin) {
    el.joinError.textContent = "";
    socket.timeout(10000).emit("join", { nick, room }, (err, reply) => {
      if (err) {
        el.joinError.textContent = "The server did not answer; try again.";
        return;
      }
      if (!reply.ok) {
        el.joinError.textContent = reply.error;
        joined = null;
        sessionStorage.removeItem("chat.joined");
        showJoin();
        return;
      }
      joined = { nick: reply.nick, room: reply.room };
      sessionStorage.setItem("chat.joined", JSON.stringify(joined));
      localStorage.setItem("chat.nick", reply.nick);
      history.replaceState(null, "", roomUrl(reply.room));
      showChat(reply, rejoin);
    });
  }

  function roomUrl(room) {
    const url = new URL(location.href);
    url.searchParams.set("room", room);
    return url;
  }

  function showJoin() {
    el.chat.hidden = true;
    el.join.hidden = false;
    setEnabled();
    el.nick.focus();
  }

  function showChat(reply, rejoin) {
    el.join.hidden = true;
    el.chat.hidden = false;
    el.roomName.textContent = reply.room;
    document.title = `#${reply.room} · Switchboard chat`;
    if (!rejoin) {
      el.messages.replaceChildren();
      for (const message of reply.history) addMessage(message);
      notice(`you joined #${reply.room} as ${reply.nick}`);
    } else {
      notice(`reconnected over ${socket.io.engine?.transport?.name ?? "?"}`);
    }
    showPeople(reply.members);
    setEnabled();
    el.text.focus();
  }

  el.joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    join(el.nick.value, el.room.value, false);
  });

  el.leave.addEventListener("click", () => {
    socket.emit("leave");
    joined = null;
    sessionStorage.removeItem("chat.joined");
    clearTypers();
    showJoin();
  });

  // --- messages -------------------------------------------------------------------------------

  function stickToBottom(add) {
    const box = el.messages;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    add();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function time(at) {
    return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function avatar(nick) {
    const span = document.createElement("span");
    span.className = "avatar";
    span.textContent = [...nick][0] ?? "?";
    let hash = 0;
    for (const ch of nick) hash = (hash * 31 + ch.codePointAt(0)) % 360;
    span.style.background = `hsl(${hash} 55% 52%)`;
    return span;
  }

  function addMessage(message) {
    const li = document.createElement("li");
    const mine = myIds.has(message.sender);
    li.className = mine ? "msg mine" : "msg";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = document.createElement("b");
    who.textContent = message.from;
    meta.append(who, time(message.at));
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = message.text;
    bubble.append(meta, text);
    li.append(avatar(message.from), bubble);
    stickToBottom(() => el.messages.append(li));
  }

  function notice(text) {
    const li = document.createElement("li");
    li.className = "notice";
    li.textContent = text;
    stickToBottom(() => el.messages.append(li));
  }

  socket.on("message", (message) => {
    // Whoever just sent is no longer typing.
    clearTimeout(typers.get(message.sender)?.timer);
    typers.delete(message.sender);
    renderTypers();
    addMessage(message);
  });
  socket.on("notice", (text) => notice(text));
  // The server's rate limit dropped a message (once per run of dropped ones): its ack never comes.
  let limitedAt = 0;
  socket.on("rate limit", () => {
    limitedAt = Date.now();
    el.sendError.textContent = "Not sent: slow down a little.";
  });

  el.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el.text.value.trim();
    if (!text) return;
    el.sendError.textContent = "";
    stopTyping();
    const sentAt = Date.now();
    socket.timeout(10000).emit("message", text, (err, reply) => {
      if (err && limitedAt >= sentAt) el.sendError.textContent = "Not sent: slow down a little.";
      else if (err) el.sendError.textContent = "Not sent: the server did not answer.";
      else if (!reply.ok) el.sendError.textContent = `Not sent: ${reply.error}.`;
    });
    el.text.value = "";
    updateCounter();
  });

  function updateCounter() {
    const left = MESSAGE_MAX - el.text.value.length;
    el.counter.textContent = left < 100 ? String(left) : "";
  }

  // --- presence -------------------------------------------------------------------------------

  function showPeople(members) {
    el.count.textContent = String(members.length);
    el.people.replaceChildren(
      ...members.map((m) => {
        const li = document.createElement("li");
        if (m.id === myId) li.className = "me";
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = m.nick;
        li.append(avatar(m.nick), name);
        return li;
      }),
    );
  }
  socket.on("presence", showPeople);

  // --- typing ---------------------------------------------------------------------------------

  let typing = false;
  let idleTimer;
  function stopTyping() {
    clearTimeout(idleTimer);
    if (typing && socket.connected) socket.emit("typing", false);
    typing = false;
  }
  el.text.addEventListener("input", () => {
    updateCounter();
    if (!el.text.value) return stopTyping();
    if (!typing) socket.emit("typing", true);
    typing = true;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  /**
   * Who else is typing, by connection id (two people may share a nickname, and each has an
   * indicator of their own): id -> { nick, timer that forgets them }.
   */
  const typers = new Map();
  function clearTypers() {
    for (const { timer } of typers.values()) clearTimeout(timer);
    typers.clear();
    renderTypers();
  }
  function renderTypers() {
    const names = [...typers.values()].map((t) => t.nick);
    el.typing.textContent =
      names.length === 0
        ? ""
        : names.length === 1
          ? `${names[0]} is typing…`
          : names.length <= 3
            ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`
            : "Several people are typing…";
  }
  socket.on("typing", (who, active) => {
    clearTimeout(typers.get(who.id)?.timer);
    if (active) {
      const timer = setTimeout(() => {
        typers.delete(who.id);
        renderTypers();
      }, TYPING_STALE_MS);
      typers.set(who.id, { nick: who.nick, timer });
    } else typers.delete(who.id);
    renderTypers();
  });

  setEnabled();
});
