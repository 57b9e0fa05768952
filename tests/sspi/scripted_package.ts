/**
 * A test-only security package whose behaviour is driven by a script: a list of step
 * results per role, optional waits (a Promise gate or a delay, only honoured when the
 * call is async, unless a step asks to break the contract), thrown `SspiError`s or plain
 * Errors, and a log of every call and every `dispose()`.
 *
 * @module
 */
import {
  type AcquireRequest,
  type AttributeResult,
  type PackageContext,
  type PackageCredential,
  registerSecurityPackage,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  type SecPkgInfo,
  type SecurityPackage,
  type StepRequest,
  type StepResult,
  unregisterSecurityPackage,
} from "../../mod.ts";

/** How a scripted call waits / fails before it produces its result. */
export interface Behaviour {
  /** Thrown (sync) or used as the rejection (when the call waits). */
  throws?: unknown;
  /** When the call is async: wait for this Promise first. */
  gate?: Promise<unknown>;
  /** When the call is async: wait this many milliseconds first. */
  delayMs?: number;
  /** Return a Promise even to a synchronous call (breaks the package contract). */
  promiseEvenIfSync?: boolean;
}

/** One scripted handshake step. */
export interface ScriptStep extends Behaviour {
  /** Default `SEC_I_CONTINUE_NEEDED`. */
  status?: number;
  /** Output token. */
  token?: Uint8Array | null;
  /** `ISC_RET_*`/`ASC_RET_*`. */
  attrs?: number;
  /** Expiry ticks. */
  expiry?: bigint;
  /** Failure sentence. */
  message?: string;
  /** `SECBUFFER_EXTRA` byte count. */
  extra?: number;
}

/** The whole script of a package. */
export interface Script {
  /** Client steps, consumed in order by each new initiate context. */
  initiate?: ScriptStep[];
  /** Server steps, consumed in order by each new accept context. */
  accept?: ScriptStep[];
  /** How `acquireCredentials` behaves. */
  acquire?: Behaviour;
  /** Thrown by `createContext`. */
  createThrows?: unknown;
  /** Expiry of credentials (default 1234n). */
  credExpiry?: bigint;
}

/** One entry of the call log. */
export type CallRecord =
  | { kind: "acquire"; req: AcquireRequest; cred: ScriptedCredential }
  | { kind: "create"; role: "initiate" | "accept"; ctx: ScriptedContext }
  | {
    kind: "step";
    role: "initiate" | "accept";
    index: number;
    req: StepRequest;
    ctx: ScriptedContext;
  }
  | { kind: "disposeContext"; ctx: ScriptedContext }
  | { kind: "disposeCredential"; cred: ScriptedCredential };

/** Default package info. */
export const SCRIPTED_INFO: SecPkgInfo = {
  fCapabilities: 0x3,
  wVersion: 1,
  wRPCID: 0xffff,
  cbMaxToken: 64,
  Name: "Scripted",
  Comment: "Scripted test package",
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a behaviour: returns `produce()` directly or as a Promise after waiting. */
function perform<T>(
  b: Behaviour | undefined,
  async: boolean,
  produce: () => T,
): T | Promise<T> {
  const waits = async && (b?.gate !== undefined || b?.delayMs !== undefined);
  if (waits || b?.promiseEvenIfSync) {
    return (async () => {
      if (async && b?.gate) await b.gate;
      if (async && b?.delayMs !== undefined) await sleep(b.delayMs);
      if (b?.throws !== undefined) throw b.throws;
      return produce();
    })();
  }
  if (b?.throws !== undefined) throw b.throws;
  return produce();
}

/** A scripted credential. */
export class ScriptedCredential implements PackageCredential {
  /** How many times `dispose()` ran. */
  disposeCount = 0;
  constructor(
    readonly pkg: ScriptedPackage,
    readonly use: number,
    readonly expiry: bigint,
    readonly authData: unknown,
  ) {}
  queryAttribute(_attribute: number): AttributeResult {
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }
  dispose(): void {
    this.disposeCount++;
    this.pkg.log.push({ kind: "disposeCredential", cred: this });
  }
}

/** A scripted context: plays its role's steps in order. */
export class ScriptedContext implements PackageContext {
  /** How many times `dispose()` ran. */
  disposeCount = 0;
  /** The next step index. */
  next = 0;
  /** Every request this context got. */
  requests: StepRequest[] = [];
  constructor(
    readonly pkg: ScriptedPackage,
    readonly cred: ScriptedCredential,
    readonly role: "initiate" | "accept",
  ) {}

  step(req: StepRequest): StepResult | Promise<StepResult> {
    const index = this.next++;
    this.requests.push(req);
    this.pkg.log.push({ kind: "step", role: this.role, index, req, ctx: this });
    const steps = this.pkg.script[this.role] ?? [];
    const s: ScriptStep = steps[index] ??
      { status: SEC_E_OK, attrs: 0 };
    return perform(s, req.async, () => ({
      status: s.status ?? SEC_I_CONTINUE_NEEDED,
      token: s.token ?? null,
      attrs: s.attrs ?? 0,
      expiry: s.expiry,
      message: s.message,
      extra: s.extra,
    }));
  }

  queryAttribute(_attribute: number): AttributeResult {
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  dispose(): void {
    this.disposeCount++;
    this.pkg.log.push({ kind: "disposeContext", ctx: this });
  }
}

/** The scripted package; `script` may be replaced between calls. */
export class ScriptedPackage implements SecurityPackage {
  /** Every call and dispose, in order. */
  log: CallRecord[] = [];
  /** Credentials made so far. */
  credentials: ScriptedCredential[] = [];
  /** Contexts made so far. */
  contexts: ScriptedContext[] = [];
  constructor(
    public script: Script = {},
    readonly info: SecPkgInfo = {
      ...SCRIPTED_INFO,
    },
  ) {}

  acquireCredentials(
    req: AcquireRequest,
  ): PackageCredential | Promise<PackageCredential> {
    return perform(this.script.acquire, req.async, () => {
      const cred = new ScriptedCredential(
        this,
        req.use,
        this.script.credExpiry ?? 1234n,
        req.authData,
      );
      this.credentials.push(cred);
      this.log.push({ kind: "acquire", req, cred });
      return cred;
    });
  }

  createContext(
    cred: PackageCredential,
    role: "initiate" | "accept",
  ): PackageContext {
    if (this.script.createThrows !== undefined) throw this.script.createThrows;
    const ctx = new ScriptedContext(this, cred as ScriptedCredential, role);
    this.contexts.push(ctx);
    this.log.push({ kind: "create", role, ctx });
    return ctx;
  }

  /** The most recently created context. */
  get lastContext(): ScriptedContext {
    const c = this.contexts.at(-1);
    if (!c) throw new Error("no scripted context was created");
    return c;
  }

  /** The most recently acquired credential. */
  get lastCredential(): ScriptedCredential {
    const c = this.credentials.at(-1);
    if (!c) throw new Error("no scripted credential was acquired");
    return c;
  }
}

/**
 * Creates a scripted package and registers it (replacing any previous one of the same
 * name); returns it. Call `unregisterScripted()` to remove it.
 */
export function registerScripted(
  script: Script = {},
  name = "Scripted",
): ScriptedPackage {
  const pkg = new ScriptedPackage(script, { ...SCRIPTED_INFO, Name: name });
  registerSecurityPackage(pkg);
  return pkg;
}

/** Removes a scripted package from the registry. */
export function unregisterScripted(name = "Scripted"): boolean {
  return unregisterSecurityPackage(name);
}

/** A Promise with its resolve function exposed, to hold a scripted step open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets pending microtasks and one macrotask run. */
export function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
