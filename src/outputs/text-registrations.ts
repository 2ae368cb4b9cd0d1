/** The text report's REGISTER bindings (report.registrations): who, where, registrar, outcome, expiry, challenges. */
import type { RegistrationReport } from '../model/report.js';

export function registrationLines(list: readonly RegistrationReport[] | undefined, bold: (s: string) => string,
  table: (head: string[], rows: string[][]) => string[]): string[] {
  if (list === undefined || list.length === 0) return [];
  const rows = list.map((r) => [
    cut(r.aor, 32), cut(r.contact ?? '-', 32), `${r.ua} -> ${r.registrar}`, r.outcome, r.finalStatus === null ? '-' : String(r.finalStatus),
    String(r.requests), String(r.challenges), r.expiresSeconds === null ? '-' : `${r.expiresSeconds} s`,
  ]);
  return [bold(`Registrations (${list.length})`), ...table(['AOR (who)', 'contact (where)', 'UA -> registrar', 'outcome', 'status', 'REGISTERs', '401/407', 'expires'], rows), ''];
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}~`;
}
