/** Template settings, from `createMailer({ templates })` or `MAIL_TEMPLATES_DIR`. */
export interface TemplateOptions {
  /** Directory holding the template files. */
  dir: string;
  /**
   * Keep compiled templates in memory (default true: the production setting). Set false
   * in development to pick up edits without a restart.
   */
  cache?: boolean;
}
