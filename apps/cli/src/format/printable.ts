/**
 * `text` safe to print on one terminal line: C0 controls (ESC, BEL, CR, LF, TAB …), DEL and C1 controls become
 * `\xHH`. Device-supplied text (message properties, bodies) would otherwise drive the operator's terminal: clear
 * the screen, set the title, write the clipboard (OSC 52) or forge lines of output.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
