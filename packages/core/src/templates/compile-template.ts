import { posix } from 'node:path';
import nunjucks from 'nunjucks';
import { TemplateError } from '../errors.js';
import { findTemplateError } from './to-template-error.js';

type RenderCallback = (error: unknown, output?: string) => void;

/** The signature nunjucks gives a compiled template's root and block functions. */
type RenderFunction = (
  env: unknown,
  context: unknown,
  frame: unknown,
  runtime: TemplateRuntime,
  callback: RenderCallback,
) => void;

/** The helpers of nunjucks' runtime that compiled code calls; two are replaced here. */
interface TemplateRuntime {
  suppressValue(value: unknown, autoescape: boolean): unknown;
  handleError(error: unknown, lineno: number, colno: number): unknown;
  [helper: string]: unknown;
}

/** What a nunjucks Template holds once compiled (not in nunjucks' type declarations). */
interface CompiledTemplateInternals {
  compile(): void;
  rootRenderFunc: RenderFunction;
  blocks: Record<string, RenderFunction>;
}

/**
 * A template in nunjucks' precompiled form, which its `Template` constructor and loaders
 * accept (the form `PrecompiledLoader` uses).
 */
export interface CompiledTemplate {
  /** Marks the precompiled form. */
  type: 'code';
  /** The root (`root`) and block (`b_<name>`) render functions. */
  obj: Record<string, RenderFunction>;
}

/** Options of {@link compileTemplate}. */
export interface CompileTemplateOptions {
  /** The template's name, used in error messages. */
  name: string;
  /** Lines of the file before `source` (for a front matter value); default 0. */
  lineOffset?: number;
  /**
   * Writes the value of each `{{ … }}` output instead of nunjucks' autoescape. Values
   * marked safe (`| safe`, macro and `super()` output) and numbers are written as they
   * are.
   */
  writeValue?: (value: string) => string;
}

const nunjucksRuntime = nunjucks.runtime as unknown as TemplateRuntime;
const { SafeString } = nunjucks.runtime;

// Errors that escaped from a callback a template's code was given: they were thrown by
// the code of the template that called it, which must locate them, not the callee.
const thrownByCaller = new WeakSet<object>();

/** The part of nunjucks' render Context that `{{ super() }}` goes through. */
interface BlockContext {
  getSuper(
    env: unknown,
    name: string,
    block: RenderFunction,
    frame: unknown,
    runtime: unknown,
    callback: RenderCallback,
  ): void;
}

// Each block function as compiled, and the wrapped one the context holds instead.
const wrappedBlocks = new WeakMap<RenderFunction, RenderFunction>();

// A block's compiled code asks for its parent block by naming itself, and nunjucks finds
// it by identity among the context's blocks, which are the wrapped functions: the context
// is given a lookup that knows both.
function findSuperBlocksWrapped(context: unknown): void {
  if (typeof context !== 'object' || context === null || Object.hasOwn(context, 'getSuper')) {
    return;
  }
  const blockContext = context as BlockContext;
  const inherited = blockContext.getSuper;
  blockContext.getSuper = function getSuper(env, name, block, frame, runtime, callback) {
    inherited.call(this, env, name, wrappedBlocks.get(block) ?? block, frame, runtime, callback);
  };
}

function lineOf(error: unknown): number | undefined {
  const lineno = (error as { lineno?: unknown } | null)?.lineno;
  return typeof lineno === 'number' && lineno > 0 ? lineno : undefined;
}

function renderError(
  template: string,
  error: unknown,
  line: number | undefined,
  column: number | undefined,
): TemplateError {
  const reason = error instanceof Error ? error.message : String(error);
  const where =
    line === undefined ? '' : ` at line ${line}${column === undefined ? '' : `, column ${column}`}`;
  return new TemplateError(
    'TEMPLATE_RENDER',
    `template ${JSON.stringify(template)} failed to render${where}: ${reason}`,
    {
      details: {
        template,
        ...(line === undefined ? {} : { line }),
        ...(column === undefined ? {} : { column }),
      },
      cause: error,
    },
  );
}

// nunjucks does not track the line of include/extends/import tags, so the reference to a
// missing template is looked up in the source.
function referencingLine(source: string, missing: string): number | undefined {
  const file = posix.basename(missing);
  const index = source
    .split('\n')
    .findIndex((line) => line.includes(`${file}"`) || line.includes(`${file}'`));
  return index === -1 ? undefined : index + 1;
}

function referencedBy(error: TemplateError, template: string, line: number | undefined) {
  const where = line === undefined ? '' : ` at line ${line}`;
  return new TemplateError(
    error.code,
    `${error.message} (referenced by ${JSON.stringify(template)}${where})`,
    {
      details: {
        ...error.details,
        referencedBy: { template, ...(line === undefined ? {} : { line }) },
      },
      cause: error,
    },
  );
}

/**
 * Compiles a nunjucks source with a runtime of its own, so errors name the file they
 * happened in and its 1-based line. nunjucks cannot: compiled code reports the node's
 * 0-based line, and because templates run in continuation-passing style, an error thrown
 * by a layout's code after it called a child's block is caught by the child's block
 * function first, and nunjucks blames the child.
 *
 * Here every root and block function runs with this template's runtime, and the callback
 * it is given is wrapped: an error escaping from that callback is marked as the caller's,
 * so this template's `handleError` throws it on to the caller's own `try`, where the
 * caller's line is known. Rendering is synchronous (synchronous loaders, no async
 * filters), which this relies on. Errors that are already Mailroom template errors pass
 * unchanged, a missing included template getting the name and line referencing it.
 *
 * Compile errors are thrown at once, located the same way. `env` supplies the options,
 * filters and extensions, as nunjucks' own compilation does.
 */
export function compileTemplate(
  env: nunjucks.Environment,
  source: string,
  options: CompileTemplateOptions,
): CompiledTemplate {
  const { name, lineOffset = 0, writeValue } = options;
  const template = new nunjucks.Template(source, env, name) as unknown as CompiledTemplateInternals;
  try {
    template.compile();
  } catch (error) {
    // Parser errors carry a 1-based line; structural ones (a block defined twice) none.
    const line = lineOf(error);
    throw renderError(name, error, line === undefined ? undefined : line + lineOffset, undefined);
  }
  const runtime: TemplateRuntime = {
    ...nunjucksRuntime,
    handleError(error, lineno, colno) {
      if (typeof error === 'object' && error !== null && thrownByCaller.delete(error)) {
        throw error;
      }
      const found = findTemplateError(error);
      if (found !== undefined) {
        const { line, referencedBy: known } = found.details;
        if (line !== undefined || known !== undefined) return found;
        const missing = found.details.template;
        const reference =
          typeof missing === 'string' ? referencingLine(source, missing) : undefined;
        return referencedBy(
          found,
          name,
          reference === undefined ? undefined : reference + lineOffset,
        );
      }
      // nunjucks' own runtime errors (throwOnUndefined's) carry a 1-based line already.
      const line = lineOf(error) ?? lineno + 1;
      return renderError(name, error, line + lineOffset, colno + 1);
    },
    ...(writeValue === undefined
      ? {}
      : {
          suppressValue(value: unknown): unknown {
            if (value instanceof SafeString) return value;
            // Digits are never markup, and a Markdown list needs them: `{{ loop.index }}. x`.
            if (typeof value === 'number') return String(value);
            return writeValue(value === undefined || value === null ? '' : String(value));
          },
        }),
  };
  const bind =
    (render: RenderFunction): RenderFunction =>
    (renderEnv, context, frame, _runtime, callback) => {
      findSuperBlocksWrapped(context);
      render(renderEnv, context, frame, runtime, (error, output) => {
        try {
          callback(error, output);
        } catch (thrown) {
          const escaped =
            typeof thrown === 'object' && thrown !== null ? thrown : new Error(String(thrown));
          thrownByCaller.add(escaped);
          throw escaped;
        }
      });
    };
  const obj: Record<string, RenderFunction> = { root: bind(template.rootRenderFunc) };
  for (const [block, render] of Object.entries(template.blocks)) {
    const wrapped = bind(render);
    wrappedBlocks.set(render, wrapped);
    obj[`b_${block}`] = wrapped;
  }
  return { type: 'code', obj };
}

/** A nunjucks Template over a compiled form, rendered with `env`. */
export function templateFromCompiled(
  compiled: CompiledTemplate,
  env: nunjucks.Environment,
  name: string,
): nunjucks.Template {
  // nunjucks' type declarations only admit a string source; the runtime takes this form.
  return new nunjucks.Template(compiled as unknown as string, env, name);
}
