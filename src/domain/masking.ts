// Masking of personal data for staff views and public outputs (SPEC §8, §10).

/** 13812345678 → 138****5678; 0571-88886666 → 0571-****6666. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  const keep = phone.slice(-4);
  const head = phone.includes('-') ? `${phone.split('-')[0]}-` : phone.slice(0, 3);
  return `${head}****${keep}`;
}

/** The last four digits used to verify a public lookup. */
export function phoneLast4(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}
