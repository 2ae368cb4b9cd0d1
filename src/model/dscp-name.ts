/**
 * The one DSCP naming of every output (findings, summary, text tables, HTML): Wireshark's short
 * names (epan's dscp_short_vals: 0 is "CS0", not "BE" or "Default") followed by the number, so the
 * same value reads the same in every table: "CS0 (0)", "EF (46)", "4" for a value without a name.
 */
const DSCP_NAMES: Record<number, string> = {
  0: 'CS0', 1: 'LE', 8: 'CS1', 10: 'AF11', 12: 'AF12', 14: 'AF13', 16: 'CS2', 18: 'AF21', 20: 'AF22', 22: 'AF23',
  24: 'CS3', 26: 'AF31', 28: 'AF32', 30: 'AF33', 32: 'CS4', 34: 'AF41', 36: 'AF42', 38: 'AF43',
  40: 'CS5', 44: 'VA', 46: 'EF', 48: 'CS6', 56: 'CS7',
};

export function dscpName(value: number): string {
  const name = DSCP_NAMES[value];
  return name === undefined ? String(value) : `${name} (${value})`;
}
