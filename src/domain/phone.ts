// Phone numbers as SPEC §4 accepts them: a mainland mobile or a landline with its area code.
export const MOBILE_RE = /^1[3-9]\d{9}$/;
export const LANDLINE_RE = /^0\d{2,3}-?\d{7,8}$/;
