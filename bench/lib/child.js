import { fork } from 'node:child_process';

/**
 * A forked Node process spoken to over IPC: `request(message)` sends a message with an
 * id and resolves with the child's reply of the same id; `next(type)` waits for the
 * child's next message of a type.
 */
export class Child {
  /** @type {import('node:child_process').ChildProcess} */
  #process;
  #nextId = 1;
  /** @type {Map<number, (message: any) => void>} */
  #pending = new Map();
  /** @type {Array<{ type: string, resolve: (message: any) => void }>} */
  #waiting = [];
  /** @type {any[]} */
  #unclaimed = [];
  #exit;

  /**
   * @param {string} script
   * @param {{ args?: string[], env?: NodeJS.ProcessEnv, cwd?: string, execArgv?: string[] }} [options]
   */
  constructor(script, options = {}) {
    this.#process = fork(script, options.args ?? [], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#exit = new Promise((resolve) => {
      this.#process.once('exit', (code, signal) => {
        const error = new Error(`${script} exited (${signal ?? code})`);
        for (const settle of this.#pending.values())
          settle({ type: 'error', error: error.message });
        for (const waiter of this.#waiting) waiter.resolve({ type: 'error', error: error.message });
        this.#pending.clear();
        this.#waiting = [];
        resolve(code);
      });
    });
    this.#process.on('message', (message) => this.#dispatch(message));
  }

  #dispatch(message) {
    if (message.id !== undefined && this.#pending.has(message.id)) {
      const resolve = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      resolve?.(message);
      return;
    }
    // An error the child reports unasked fails whatever is being waited for.
    const index =
      message.type === 'error' && this.#waiting.length > 0
        ? 0
        : this.#waiting.findIndex((waiter) => waiter.type === message.type);
    if (index !== -1) {
      const [waiter] = this.#waiting.splice(index, 1);
      waiter?.resolve(message);
      return;
    }
    this.#unclaimed.push(message);
  }

  /** Resolves with the child's next message of `type` (or one already received). */
  async next(type) {
    const index = this.#unclaimed.findIndex(
      (message) => message.type === type || message.type === 'error',
    );
    const message =
      index === -1
        ? await new Promise((resolve) => this.#waiting.push({ type, resolve }))
        : this.#unclaimed.splice(index, 1)[0];
    if (message.type === 'error') throw new Error(message.error);
    return message;
  }

  /** Sends a message and resolves with the reply carrying its id. */
  async request(message) {
    const id = this.#nextId++;
    const reply = await new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#process.send({ ...message, id });
    });
    if (reply.type === 'error') throw new Error(reply.error);
    return reply;
  }

  /** Sends a message without waiting. */
  send(message) {
    this.#process.send(message);
  }

  /** Resolves with the exit code once the process has ended. */
  exited() {
    return this.#exit;
  }

  /** Kills the process unless it has ended, and waits for its end. */
  async kill() {
    if (this.#process.exitCode === null && this.#process.signalCode === null) {
      this.#process.kill('SIGKILL');
    }
    await this.#exit;
  }
}
